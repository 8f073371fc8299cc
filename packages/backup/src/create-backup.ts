import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isPhoenixError, PhoenixError } from '@phoenix-hydra/errors';
import { archiveFromTar } from './archive-from-tar.ts';
import { beginTempDir, removeStaleTempDirs, type TempBackupDir } from './atomic-dir.ts';
import { newBackupId } from './backup-id.ts';
import { archiveExtension } from './compression.ts';
import { ensurePrivateDir, isNoSpace } from './durable.ts';
import {
  backupNameSchema,
  type Manifest,
  type ManifestVolume,
  type VolumeAbout,
  writeManifest,
} from './manifest.ts';
import { dumpPostgres, type PostgresTarget } from './postgres.ts';
import type { Compression, Exec, OnProgress, TakenHow } from './types.ts';
import { toolVersion } from './version.ts';
import { writeArchive } from './write-archive.ts';

/** One volume to back up: a directory to archive, or a database to dump through `exec`. */
export type BackupVolume =
  | {
      name: string;
      strategy: 'archive';
      path: string;
      about?: VolumeAbout | undefined;
      /**
       * The volume's tree as a tar stream, when this computer cannot read `path` (a remote podman: a
       * helper container sends it); the archive is then rewritten from that stream (archiveFromTar).
       */
      tar?: ((signal?: AbortSignal) => AsyncIterable<Buffer>) | undefined;
      /** Names in the volume's root to leave out of the archive, by prefix (an nginx deploy's kept copies). */
      leaveOut?: readonly string[] | undefined;
    }
  | {
      name: string;
      strategy: 'postgres-logical';
      postgres: Omit<PostgresTarget, 'exec' | 'signal'>;
      about?: VolumeAbout | undefined;
    };

export interface CreateBackupOptions {
  backupDir: string;
  project: string;
  volumes: BackupVolume[];
  /** How the data was taken; an archive of a database volume is refused unless its containers were stopped. */
  taken: TakenHow;
  compression?: Compression | undefined;
  /** Runs pg_dump; required for postgres-logical volumes. */
  exec?: Exec | undefined;
  onProgress?: OnProgress | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Takes the archive volumes (read from their paths) instead of archiving them: called once the dumps
   * and the manifest (which then lists the dumps only) are written to `dir`, before the backup is
   * committed, while the caller's containers are still stopped. An off-host snapshot reads the trees.
   */
  trees?: ((dir: string, manifest: Manifest, trees: TreeVolume[]) => Promise<void>) | undefined;
}

/** An archive volume handed to `trees`. */
export interface TreeVolume {
  name: string;
  path: string;
  about: VolumeAbout | null;
  /** Names in the tree's root to leave out, by prefix (as an archive's `leaveOut`). */
  leaveOut?: readonly string[] | undefined;
}

async function checkPaths(volumes: BackupVolume[]): Promise<void> {
  for (const volume of volumes) {
    if (volume.strategy !== 'archive' || volume.tar) continue;
    const isDir = await stat(volume.path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) {
      throw new PhoenixError('BACKUP_FAILED', `volume ${volume.name}: ${volume.path} is not a directory`, {
        hint: 'check the volume path: it must be the directory that holds the volume data',
      });
    }
  }
}

function checkVolumes(options: CreateBackupOptions): void {
  const seen = new Set<string>();
  for (const volume of options.volumes) {
    if (!backupNameSchema.safeParse(volume.name).success || seen.has(volume.name)) {
      throw new PhoenixError('USAGE', `volume name "${volume.name}" is invalid or repeated`);
    }
    seen.add(volume.name);
    if (volume.strategy === 'postgres-logical' && !options.exec) {
      throw new PhoenixError(
        'USAGE',
        `volume ${volume.name} is dumped with pg_dump, which needs an exec function`,
      );
    }
    if (
      volume.strategy === 'archive' &&
      volume.about?.kind === 'database' &&
      (options.taken === 'logical-dump' || options.taken === 'live-files')
    ) {
      throw new PhoenixError(
        'BACKUP_LIVE_DATABASE',
        `refusing to archive the files of database volume ${volume.name} while it runs`,
        {
          hint: "stop the database's containers first (taken: 'containers-stopped'), or use the postgres-logical strategy",
        },
      );
    }
  }
  if (options.volumes.length === 0) throw new PhoenixError('USAGE', 'no volumes to back up');
}

/**
 * Writes one backup to `<backupDir>/<id>/`: an artifact per volume, then manifest.json, all inside a
 * hidden temp dir renamed into place at the end, so a backup is listed complete or not at all.
 * A full disk gives NO_SPACE and leaves nothing behind.
 */
export async function createBackup(options: CreateBackupOptions): Promise<Manifest> {
  checkVolumes(options);
  await checkPaths(options.volumes);
  const started = performance.now();
  const compression = options.compression ?? 'zstd';
  await ensurePrivateDir(options.backupDir);
  await removeStaleTempDirs(options.backupDir);
  const createdAt = new Date();
  const id = newBackupId(createdAt);
  let temp: TempBackupDir | undefined;
  try {
    temp = await beginTempDir(options.backupDir, id);
    const volumes: ManifestVolume[] = [];
    const trees: TreeVolume[] = [];
    for (const volume of options.volumes) {
      if (options.trees && volume.strategy === 'archive' && !volume.tar)
        trees.push({
          name: volume.name,
          path: volume.path,
          about: volume.about ?? null,
          ...(volume.leaveOut ? { leaveOut: volume.leaveOut } : {}),
        });
      else volumes.push(await backupVolume(temp.path, volume, compression, options));
    }
    const manifest: Manifest = {
      schemaVersion: 3,
      id,
      createdAt: createdAt.toISOString(),
      toolVersion,
      host: hostname(),
      project: options.project,
      volumes,
      taken: options.taken,
      durationSeconds: Math.round(performance.now() - started) / 1000,
    };
    await writeManifest(temp.path, manifest);
    await options.trees?.(temp.path, manifest, trees);
    await temp.commit();
    return manifest;
  } catch (error) {
    await temp?.discard();
    throw asBackupError(error, options);
  }
}

async function backupVolume(
  dir: string,
  volume: BackupVolume,
  compression: Compression,
  options: CreateBackupOptions,
): Promise<ManifestVolume> {
  const about = volume.about ?? null;
  if (volume.strategy === 'postgres-logical') {
    const artifact = `${volume.name}.pgdump`;
    const exec = options.exec as Exec;
    const dump = await dumpPostgres({
      ...volume.postgres,
      exec,
      signal: options.signal,
      out: join(dir, artifact),
      uncompressed: compression === 'none',
    });
    const { database, user } = volume.postgres;
    return {
      name: volume.name,
      about,
      strategy: volume.strategy,
      artifact,
      compression: 'none',
      entries: null,
      bytes: dump.bytes,
      artifactBytes: dump.bytes,
      sha256: dump.sha256,
      entryListSha256: null,
      skipped: [],
      postgres: { database, user },
    };
  }
  const artifact = `${volume.name}.${archiveExtension(compression)}`;
  const out = join(dir, artifact);
  const { onProgress, signal } = options;
  const common = { out, compression, volume: volume.name, onProgress, signal, leaveOut: volume.leaveOut };
  const stats = volume.tar
    ? await archiveFromTar({ input: volume.tar(signal), ...common })
    : await writeArchive({ root: volume.path, ...common });
  return { name: volume.name, about, strategy: 'archive', artifact, compression, ...stats, postgres: null };
}

function asBackupError(error: unknown, options: CreateBackupOptions): unknown {
  if (isNoSpace(error)) {
    return new PhoenixError(
      'NO_SPACE',
      `the disk holding ${options.backupDir} is full; the partial backup was removed`,
      {
        hint: 'free some space there, or write the backup to another disk with --to DIR',
        cause: error,
        details: { backupDir: options.backupDir },
      },
    );
  }
  if (options.signal?.aborted) {
    return new PhoenixError('ABORTED', 'backup cancelled; the partial backup was removed', { cause: error });
  }
  if (isPhoenixError(error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const hint =
    code === 'EACCES' || code === 'EPERM'
      ? 'files owned by a container user can only be read inside its user namespace: run the backup under `podman unshare`'
      : undefined;
  return new PhoenixError('BACKUP_FAILED', `backup failed: ${(error as Error).message}`, {
    cause: error,
    hint,
  });
}
