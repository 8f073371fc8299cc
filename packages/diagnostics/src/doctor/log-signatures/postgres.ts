import type { LogSignature } from './signature.ts';

const SEVERITY = 'error' as const;

/** PostgreSQL (initdb, postgres) failures seen under rootless Podman, most specific first. */
export const POSTGRES_SIGNATURES: readonly LogSignature[] = [
  {
    id: 'PHX-LOG-PG-001',
    title: 'PostgreSQL cannot use its data directory: Permission denied',
    severity: SEVERITY,
    pattern:
      /(?:initdb|postgres|FATAL):.*could not (?:access|create|open|change permissions of) (?:directory|file) "[^"]*": Permission denied/,
    why: 'the data directory is owned by another uid than the one postgres runs as inside the container; under rootless podman your own files appear as root-owned (uid 0) to the container',
    hint: 'podman unshare chown -R {owner} {path}; podman start {container}   (a plain chown to your own uid does not help)',
    fix: 'own-data-dir',
  },
  {
    id: 'PHX-LOG-PG-002',
    title: 'PostgreSQL data directory has the wrong owner',
    severity: SEVERITY,
    pattern: /data directory "[^"]*" has wrong ownership/,
    why: 'postgres refuses to start on a data directory it does not own, even when it can read it (e.g. after a copy or restore as another user)',
    hint: 'podman unshare chown -R {owner} {path}; podman start {container}',
    fix: 'own-data-dir',
  },
  {
    id: 'PHX-LOG-PG-003',
    title: 'PostgreSQL data directory has invalid permissions',
    severity: SEVERITY,
    pattern: /data directory "[^"]*" has invalid permissions/,
    why: 'postgres refuses a data directory that others can read: it must be 0700 or 0750',
    hint: 'podman unshare chmod {mode} {path}; podman start {container}',
    fix: 'mode-data-dir',
  },
  {
    id: 'PHX-LOG-PG-004',
    title: 'data directory was made by another PostgreSQL major version',
    severity: SEVERITY,
    pattern:
      /database files are incompatible with server|initialized by PostgreSQL version (\d+), which is not compatible/,
    why: 'a data directory only runs under the major version that created it: the image was changed (e.g. postgres:14 to postgres:15) without an upgrade',
    hint: 'run the image of the version in {path}/PG_VERSION, or upgrade: dump with the old image, restore into an empty directory with the new one (never delete the old directory first)',
    fix: null,
  },
  {
    id: 'PHX-LOG-PG-005',
    title: 'stale postmaster.pid after an unclean stop',
    severity: SEVERITY,
    pattern: /lock file "postmaster\.pid" already exists/,
    why: 'postgres was killed without a clean shutdown and the pid in postmaster.pid now belongs to another process, so postgres thinks another server uses the directory',
    hint: 'with the container stopped: podman unshare mv {path}/postmaster.pid {path}/postmaster.pid.stale; podman start {container}',
    fix: 'stale-pid',
  },
  {
    id: 'PHX-LOG-PG-006',
    title: 'PostgreSQL port is already in use',
    severity: SEVERITY,
    pattern: /could not bind .*: Address already in use|could not create any TCP\/IP sockets/,
    why: 'another server listens on the same port in the same network namespace (a second postgres, or a pod sharing its network)',
    hint: 'stop the other server or give this one another port (command: postgres -p 5433, and the matching ports: line)',
    fix: null,
  },
  {
    id: 'PHX-LOG-PG-007',
    title: 'PostgreSQL ran out of shared memory or connection slots',
    severity: SEVERITY,
    pattern:
      /could not (?:create|resize|map anonymous) shared memory segment|sorry, too many clients already|remaining connection slots are reserved/,
    why: "the container's /dev/shm (podman's default is 64 MB) or max_connections is too small for the load",
    hint: 'raise shm_size: in the compose service (e.g. shm_size: 256mb), or lower shared_buffers / max_connections; then podman-compose up -d {service}',
    fix: null,
  },
  {
    id: 'PHX-LOG-PG-008',
    title: 'PostgreSQL found no database it can read, and no password to create one',
    severity: SEVERITY,
    pattern: /Database is uninitialized and superuser password is not specified/,
    why: "the image's entrypoint looks for PG_VERSION in the data directory; it finds none when the directory is new (then it needs POSTGRES_PASSWORD to create the database) or when postgres cannot read the directory, which makes an existing database look absent",
    hint: 'if {path} holds your database: podman unshare chown -R {owner} {path}; podman start {container}   (doctor reports PHX-OWNER-001 there). If it is new: give the service POSTGRES_PASSWORD from an env_file (not on the command line), then podman-compose up -d {service}',
    fix: null,
  },
];
