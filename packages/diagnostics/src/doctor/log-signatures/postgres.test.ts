import { describe, expect, it } from 'vitest';
import { type RecordedLog, recognisesRecordedLogs } from '../../../test/recorded-signatures.ts';
import { POSTGRES_SIGNATURES } from './postgres.ts';
import { recognise } from './recognise.ts';

// Each log was recorded from a real container on rootless podman 4.3 (postgres:15 test image) in that state.
const cases: RecordedLog[] = [
  [
    'PHX-LOG-PG-001',
    'pg-initdb-permission-denied',
    /^initdb: error: could not access directory .*Permission denied$/,
  ],
  [
    'PHX-LOG-PG-002',
    'pg-wrong-ownership',
    /FATAL: {2}data directory "\/var\/lib\/postgresql\/data" has wrong ownership$/,
  ],
  ['PHX-LOG-PG-003', 'pg-invalid-permissions', /FATAL: {2}data directory .* has invalid permissions$/],
  [
    'PHX-LOG-PG-004',
    'pg-incompatible-version',
    /initialized by PostgreSQL version 14, which is not compatible with this version 15/,
  ],
  ['PHX-LOG-PG-005', 'pg-stale-postmaster-pid', /FATAL: {2}lock file "postmaster.pid" already exists$/],
  ['PHX-LOG-PG-006', 'pg-address-in-use', /FATAL: {2}could not create any TCP\/IP sockets$/],
  ['PHX-LOG-PG-007', 'pg-shared-memory', /could not resize shared memory segment .*No space left on device$/],
  // postgres:15 as 999:999 on a 0700 data directory holding PG_VERSION owned by the user (root in the container).
  [
    'PHX-LOG-PG-008',
    'pg-uninitialized-no-password',
    /Error: Database is uninitialized and superuser password is not specified\.$/,
  ],
];

describe('PostgreSQL failure signatures (real logs)', () => {
  recognisesRecordedLogs(POSTGRES_SIGNATURES, cases);

  it('a healthy start matches nothing', () => {
    expect(recognise('pg-healthy')).toBeNull();
  });
});
