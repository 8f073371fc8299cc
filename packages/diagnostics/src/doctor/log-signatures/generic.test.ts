import { describe } from 'vitest';
import { type RecordedLog, recognisesRecordedLogs } from '../../../test/recorded-signatures.ts';
import { GENERIC_SIGNATURES } from './generic.ts';

// Recorded on rootless podman 4.3: podman's own errors (create/start) and a real initdb on a full tmpfs.
const cases: RecordedLog[] = [
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
  recognisesRecordedLogs(GENERIC_SIGNATURES, cases);
});
