import { lstat, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isPhoenixError, PhoenixError } from '@phoenix-hydra/core';
import { compactTime, isBackupId } from './backup-id.ts';
import { fsyncDir, isNoSpace } from './durable.ts';
import { extractArchive } from './extract.ts';
import { hashTap } from './hash-tap.ts';
import { type ManifestVolume, readManifest } from './manifest.ts';
import { type PostgresTarget, restorePostgres } from './postgres.ts';
import { progressMeter } from './progress.ts';
import type { Exec, OnProgress } from './types.ts';
import { digestProblems, verifyVolume } from './verify.ts';

export interface RestoreOptions {
  backupDir: string;
  id: string;
  volume: string;
  /** The directory to replace (archive volumes). Its parent must exist. */
  targetPath?: string | undefined;
  /** Runs pg_restore/psql (postgres-logical volumes). */
  exec?: Exec | undefined;
  /** Overrides the database and user recorded in the manifest. */
  postgres?: Partial<Omit<PostgresTarget, 'exec' | 'signal'>> | undefined;
  /** Set numeric owners from the archive; default: when running as root (including inside `podman unshare`). */
  preserveOwner?: boolean | undefined;
  onProgress?: OnProgress | undefined;
  signal?: AbortSignal | undefined;
}

export interface RestoreResult {
  id: string;
  volume: string;
  targetPath: string | null;
  /** The replaced data, kept for the caller to delete once satisfied; null when there was none. */
  preRestorePath: string | null;
}

/**
 * Restores one volume, checking its artifact against the manifest. An archive is read once: extracted
 * into `<target>.restore-staging-<time>` while its sha256, size, entry count and content bytes are
 * checked and every entry is vetted; any problem gives BACKUP_CORRUPT or BACKUP_UNSAFE_ENTRY and
 * removes staging, with the target untouched. Only then is the staging copy swapped in with two
 * renames; the old data stays at `<target>.pre-restore-<time>`. A dump is verified in full first and
 * restored in one transaction.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  if (!isBackupId(options.id))
    throw new PhoenixError('BACKUP_NOT_FOUND', `"${options.id}" is not a backup id`, { exitCode: 2 });
  const backupPath = join(options.backupDir, options.id);
  const manifest = await readManifest(backupPath);
  const volume = manifest.volumes.find((v) => v.name === options.volume);
  if (!volume) {
    throw new PhoenixError('BACKUP_NOT_FOUND', `backup ${options.id} has no volume ${options.volume}`, {
      hint: `it has: ${manifest.volumes.map((v) => v.name).join(', ')}`,
    });
  }
  // A dump is read in full here; an archive is checked (sha256, every entry) while it is extracted.
  const problems =
    volume.strategy === 'archive'
      ? await stat(join(backupPath, volume.artifact)).then(
          () => [],
          () => [`${volume.name}: artifact ${volume.artifact} is missing`],
        )
      : await verifyVolume(backupPath, volume, { signal: options.signal, onProgress: options.onProgress });
  if (problems.length > 0) {
    const unsafe = problems.some((p) => p.includes('unsafe entry'));
    throw new PhoenixError(
      unsafe ? 'BACKUP_UNSAFE_ENTRY' : 'BACKUP_CORRUPT',
      `refusing to restore ${options.volume}: ${problems.join('; ')}`,
      {
        hint: 'nothing was changed; restore an older backup (phoenix-volumes backup ls)',
        details: { problems },
      },
    );
  }
  const base = { id: options.id, volume: volume.name };
  if (volume.strategy === 'postgres-logical') {
    await restoreDump(backupPath, volume, options);
    return { ...base, targetPath: null, preRestorePath: null };
  }
  if (options.targetPath === undefined)
    throw new PhoenixError('USAGE', `restoring ${volume.name} needs a target path`);
  const target = resolve(options.targetPath);
  return {
    ...base,
    targetPath: target,
    preRestorePath: await restoreArchive(backupPath, volume, target, options),
  };
}

async function restoreDump(
  backupPath: string,
  volume: ManifestVolume,
  options: RestoreOptions,
): Promise<void> {
  const database = options.postgres?.database ?? volume.postgres?.database;
  const user = options.postgres?.user ?? volume.postgres?.user;
  if (!options.exec || database === undefined || user === undefined) {
    throw new PhoenixError(
      'USAGE',
      `restoring database dump ${volume.name} needs an exec function, a database and a user`,
    );
  }
  await restorePostgres({
    ...options.postgres,
    exec: options.exec,
    database,
    user,
    signal: options.signal,
    input: join(backupPath, volume.artifact),
  });
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

async function restoreArchive(
  backupPath: string,
  volume: ManifestVolume,
  target: string,
  options: RestoreOptions,
): Promise<string | null> {
  const stamp = compactTime(new Date());
  const staging = `${target}.restore-staging-${stamp}`;
  const previous = `${target}.pre-restore-${stamp}`;
  if (volume.compression === 'none')
    throw new PhoenixError('BACKUP_CORRUPT', `${volume.artifact} is not an archive`);
  try {
    await mkdir(staging, { mode: 0o700 });
  } catch (error) {
    throw new PhoenixError('RESTORE_FAILED', `cannot create ${staging}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const meter = progressMeter(options.onProgress, {
      operation: 'restore',
      volume: volume.name,
      bytesTotal: volume.artifactBytes,
    });
    const tap = hashTap((bytes) => meter.add(bytes));
    const extracted = await extractArchive({
      artifact: join(backupPath, volume.artifact),
      compression: volume.compression,
      staging,
      preserveOwner: options.preserveOwner ?? process.getuid?.() === 0,
      onRaw: tap.update,
      signal: options.signal,
    });
    meter.finish();
    const problems = digestProblems(volume, tap.digest());
    if (extracted.entries !== volume.entries)
      problems.push(`${volume.name}: ${extracted.entries} entries, manifest says ${volume.entries}`);
    if (extracted.bytes !== volume.bytes)
      problems.push(`${volume.name}: ${extracted.bytes} content bytes, manifest says ${volume.bytes}`);
    if (problems.length > 0) {
      throw new PhoenixError('BACKUP_CORRUPT', `refusing to restore ${volume.name}: ${problems.join('; ')}`, {
        hint: 'nothing was changed; restore an older backup (phoenix-volumes backup ls)',
        details: { problems },
      });
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (isNoSpace(error)) {
      throw new PhoenixError(
        'NO_SPACE',
        `the disk holding ${target} filled up during the restore; nothing was changed`,
        {
          hint: `free space next to ${target} (the restore needs room for a full copy) and retry`,
          cause: error,
        },
      );
    }
    if (isPhoenixError(error)) throw error;
    if (options.signal?.aborted) {
      throw new PhoenixError('ABORTED', `restore of ${volume.name} cancelled; nothing was changed`, {
        cause: error,
      });
    }
    if (!(error instanceof Error) || !('syscall' in error)) {
      // Not a file system error: the archive itself cannot be read.
      throw new PhoenixError(
        'BACKUP_CORRUPT',
        `refusing to restore ${volume.name}: cannot read ${volume.artifact}: ${(error as Error).message}`,
        { hint: 'nothing was changed; restore an older backup (phoenix-volumes backup ls)', cause: error },
      );
    }
    throw new PhoenixError(
      'RESTORE_FAILED',
      `extracting ${volume.artifact} failed: ${(error as Error).message}; nothing was changed`,
      { cause: error },
    );
  }
  return swapIn(staging, target, previous);
}

/** target → previous, staging → target; on failure after the first rename, the first is undone. */
async function swapIn(staging: string, target: string, previous: string): Promise<string | null> {
  const hadTarget = await exists(target);
  if (hadTarget && (await exists(previous))) {
    await rm(staging, { recursive: true, force: true });
    throw new PhoenixError('RESTORE_FAILED', `${previous} already exists`, {
      hint: 'move it away and retry',
    });
  }
  if (hadTarget) await rename(target, previous);
  try {
    await rename(staging, target);
  } catch (error) {
    if (hadTarget) await rename(previous, target);
    throw new PhoenixError(
      'RESTORE_FAILED',
      `cannot move the restored data into ${target}: ${(error as Error).message}`,
      {
        hint: `the old data is back in place; the restored copy is in ${staging}`,
        cause: error,
      },
    );
  }
  await fsyncDir(dirname(target));
  return hadTarget ? previous : null;
}
