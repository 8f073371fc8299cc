import { describe, expect, it } from 'vitest';
import { GENERIC_SIGNATURES } from './generic.ts';
import { recognise } from './recognise.ts';

// Recorded on rootless podman 4.3: podman's own errors (create/start) and a real initdb on a full tmpfs.
const cases: [id: string, log: string, line: RegExp][] = [
  [
    'PHX-LOG-RUN-001',
    'podman-create-image-missing',
    /^Error: initializing source docker:\/\/localhost\/phoenix-missing:1:/,
  ],
  [
    'PHX-LOG-RUN-002',
    'podman-start-user-missing',
    /unable to find user appuser: no matching entries in passwd file$/,
  ],
  ['PHX-LOG-RUN-003', 'podman-start-mount-missing', /special device \/tmp\/phx-sig\/w\/o does not exist\.$/],
  [
    'PHX-LOG-RUN-004',
    'pg-no-space',
    /could not write to file "pg_wal\/xlogtemp\.19": No space left on device$/,
  ],
];

describe('generic failure signatures (real podman and initdb output)', () => {
  it.each(cases)('%s names the line in %s', (id, log, line) => {
    const found = recognise(log);
    expect(found?.signature.id).toBe(id);
    expect(found?.line).toMatch(line);
  });

  it('every generic signature has a recorded output', () => {
    expect(GENERIC_SIGNATURES.map((s) => s.id)).toEqual(cases.map(([id]) => id));
  });
});
