import { lstat, mkdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isPhoenixError, PhoenixError } from '@phoenix-hydra/errors';
import { compactTime, isBackupId } from './backup-id.ts';
import { fsyncDir, isNoSpace } from './durable.ts';
import { extractArchive } from './extract.ts';
import { hashTap } from './hash-tap.ts';
import type { Journal } from './journal.ts';
import { type ManifestVolume, readManifest } from './manifest.ts';
import { type PostgresTarget, restorePostgres } from './postgres.ts';
import { progressMeter } from './progress.ts';
import type { Exec, OnProgress } from './types.ts';
import { digestProblems, refuseDamaged, verifyVolume } from './verify.ts';

export interface RestoreOptions {
  backupDir: string;
  id: string;
  volume: string;
  /** The directory to replace (archive volumes). Its parent must exist. */
  targetPath?: string | undefined;
  /** Runs pg_restore/psql (postgres-logical volumes). */
  exec?: Exec | undefined;
  /**
   * Where a dump goes: the caller's database and role (the stack's), never the manifest's. A dump
   * taken from another database is refused unless `otherDatabase` says the caller chose this target.
   */
  postgres?: (Omit<PostgresTarget, 'exec' | 'signal'> & { otherDatabase?: boolean | undefined }) | undefined;
  /** Records the staging copy and the swap before they happen, so a killed restore can be repaired. */
  journal?: Journal | undefined;
  /** Set numeric owners from the archive; default: when running as root (including inside `podman unshare`). */
  preserveOwner?: boolean | undefined;
  /**
   * Fills the staging directory of an archive volume instead of extracting its artifact (an off-host
   * snapshot that holds the volume as a tree): `staging` must become the volume's root, checked by the
   * caller entry by entry; the counts it returns are compared with the manifest, then the usual swap.
   */
  stage?: ((staging: string) => Promise<{ entries: number; bytes: number }>) | undefined;
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
      ? options.stage
        ? []
        : await stat(join(backupPath, volume.artifact)).then(
            () => [],
            () => [`${volume.name}: artifact ${volume.artifact} is missing`],
          )
      : await verifyVolume(backupPath, volume, { signal: options.signal, onProgress: options.onProgress });
  refuseDamaged(options.volume, problems);
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
  const { otherDatabase, ...target } = options.postgres ?? { database: undefined, user: undefined };
  if (!options.exec || target.database === undefined || target.user === undefined) {
    throw new PhoenixError(
      'USAGE',
      `restoring database dump ${volume.name} needs an exec function and the target database and user`,
    );
  }
  checkDumpTarget(volume, target.database, otherDatabase === true);
  await restorePostgres({
    ...target,
    database: target.database,
    user: target.user,
    exec: options.exec,
    signal: options.signal,
    input: join(backupPath, volume.artifact),
  });
}

/**
 * Refuses a dump taken from another database than `database` (BACKUP_OTHER_DATABASE) unless
 * `allowed`: the manifest only informs, it never chooses where a restore connects.
 */
export function checkDumpTarget(volume: ManifestVolume, database: string, allowed: boolean): void {
  const from = volume.postgres?.database;
  if (allowed || from === undefined || from === database) return;
  throw new PhoenixError(
    'BACKUP_OTHER_DATABASE',
    `backup volume ${volume.name} is a dump of database ${JSON.stringify(from)}, not of ${database}`,
    {
      hint: `nothing was changed; to restore it into ${database} anyway, name the target explicitly`,
      details: { from, to: database },
    },
  );
}

/** Space a restore of `volume` needs beyond its content bytes: a block per entry plus a fixed reserve. */
const RESERVE_BYTES = 64 * 1024 * 1024;
const BYTES_PER_ENTRY = 4096;

/** Free bytes for an unprivileged writer on the file system holding `dir`. */
async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Where a restore writes: the file system of a directory and its free bytes (this host's by default). */
export interface RestoreFileSystems {
  /** The file system holding DIR (any value equal for equal file systems); rejects when DIR does not exist. */
  device(dir: string): Promise<number | string>;
  /** Bytes free on the file system holding DIR, for an unprivileged writer. */
  freeBytes(dir: string): Promise<number>;
}

const localFileSystems: RestoreFileSystems = {
  device: async (dir) => (await stat(dir)).dev,
  freeBytes,
};

/**
 * NO_SPACE unless each file system a restore writes to has room for the volumes it receives (content
 * bytes, a block per entry, and a reserve): checked before anything is written. FILESYSTEMS says how to
 * see them (a remote podman's machine, for one); this host's by default.
 */
export async function checkRoom(
  items: readonly { volume: ManifestVolume; target: string }[],
  filesystems: RestoreFileSystems = localFileSystems,
): Promise<void> {
  const byDevice = new Map<
    number | string,
    { dir: string; need: number; names: string[]; bytes: number; entries: number }
  >();
  for (const { volume, target } of items) {
    const dir = dirname(target);
    const dev = await filesystems.device(dir).catch((error: unknown) => {
      // A file system view that could not look at all (a helper that did not start) says so itself.
      if (isPhoenixError(error)) throw error;
      throw new PhoenixError('RESTORE_FAILED', `cannot restore ${volume.name}: ${dir} does not exist`, {
        hint: `create ${dir} first (the volume's parent directory must exist)`,
        cause: error,
      });
    });
    const group = byDevice.get(dev) ?? { dir, need: RESERVE_BYTES, names: [], bytes: 0, entries: 0 };
    group.need += volume.bytes + (volume.entries ?? 0) * BYTES_PER_ENTRY;
    group.bytes += volume.bytes;
    group.entries += volume.entries ?? 0;
    group.names.push(volume.name);
    byDevice.set(dev, group);
  }
  for (const { dir, need, names, bytes, entries } of byDevice.values()) {
    const free = await filesystems.freeBytes(dir);
    if (free >= need) continue;
    throw new PhoenixError(
      'NO_SPACE',
      `not enough room to restore ${names.join(', ')}: it expands to ${mib(bytes)} in ${entries} entries (${mib(need)} with the reserve), ${dir} has ${mib(free)} free; nothing was changed`,
      {
        hint: `free ${mib(need - free)} on the file system holding ${dir} (the restore keeps the old data beside the new) and retry`,
        details: { need, free, dir },
      },
    );
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
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
  if (volume.strategy !== 'archive')
    throw new PhoenixError('BACKUP_CORRUPT', `${volume.artifact} is not an archive`);
  await checkRoom([{ volume, target }]);
  const swap = { target, staging, previous };
  await options.journal?.update((s) => s.swaps.push(swap));
  const finished = () => options.journal?.update((s) => s.swaps.splice(s.swaps.indexOf(swap), 1));
  try {
    await mkdir(staging, { mode: 0o700 });
  } catch (error) {
    await finished();
    throw new PhoenixError('RESTORE_FAILED', `cannot create ${staging}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    let extracted: { entries: number; bytes: number };
    let problems: string[] = [];
    if (options.stage) extracted = await options.stage(staging);
    else {
      const meter = progressMeter(options.onProgress, {
        operation: 'restore',
        volume: volume.name,
        bytesTotal: volume.artifactBytes,
      });
      const tap = hashTap((bytes) => meter.add(bytes));
      extracted = await extractArchive({
        artifact: join(backupPath, volume.artifact),
        compression: volume.compression,
        staging,
        preserveOwner: options.preserveOwner ?? process.getuid?.() === 0,
        onRaw: tap.update,
        signal: options.signal,
        // The room checked above is for what the manifest records: never write more than that.
        limits: { entries: volume.entries ?? 0, bytes: volume.bytes },
      });
      meter.finish();
      problems = digestProblems(volume, tap.digest());
    }
    if (extracted.entries !== volume.entries)
      problems.push(`${volume.name}: ${extracted.entries} entries, manifest says ${volume.entries}`);
    if (extracted.bytes !== volume.bytes)
      problems.push(`${volume.name}: ${extracted.bytes} content bytes, manifest says ${volume.bytes}`);
    if (problems.length > 0) {
      throw new PhoenixError('BACKUP_CORRUPT', `refusing to restore ${volume.name}: ${problems.join('; ')}`, {
        hint: 'nothing was changed; restore an older backup (list the backups to choose one)',
        details: { problems },
      });
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    await finished();
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
        {
          hint: 'nothing was changed; restore an older backup (list the backups to choose one)',
          cause: error,
        },
      );
    }
    throw new PhoenixError(
      'RESTORE_FAILED',
      `extracting ${volume.artifact} failed: ${(error as Error).message}; nothing was changed`,
      { cause: error },
    );
  }
  try {
    const kept = await swapIn(staging, target, previous);
    await finished();
    return kept;
  } catch (error) {
    // swapIn's own errors leave a consistent state; anything else (a failed undo) stays journaled.
    if (isPhoenixError(error)) await finished();
    throw error;
  }
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
