import type { BackupStrategy, Owner, VolumeKind } from './model.ts';

/** Mode of a volume's root by kind: PostgreSQL refuses a data directory readable by others. */
export const DEFAULT_MODES: Readonly<Record<VolumeKind, number>> = {
  database: 0o700,
  config: 0o755,
  logs: 0o755,
  data: 0o755,
};

/** Backup strategy by kind: a database is dumped logically (consistent while running), the rest archived. */
export const DEFAULT_BACKUPS: Readonly<Record<VolumeKind, BackupStrategy>> = {
  database: 'postgres-logical',
  config: 'archive',
  logs: 'archive',
  data: 'archive',
};

/** Root in the container, which rootless podman maps to the invoking host user. */
export const CONTAINER_ROOT: Readonly<Owner> = { uid: 0, gid: 0 };
