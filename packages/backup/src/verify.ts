import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isPhoenixError, PhoenixError } from '@phoenix-hydra/errors';
import { isBackupId } from './backup-id.ts';
import { unsafeReason } from './entry-safety.ts';
import { hashFile, PGDUMP_MAGIC, readHead } from './file-hash.ts';
import { hashTap } from './hash-tap.ts';
import { listBackups } from './list.ts';
import { type ManifestVolume, readManifest, writeVerification } from './manifest.ts';
import { progressMeter } from './progress.ts';
import { scanArchive } from './read-archive.ts';
import type { OnProgress } from './types.ts';
import { toolVersion } from './version.ts';

export interface VerifyResult {
  id: string;
  ok: boolean;
  problems: string[];
  /** What could not be checked, without being a problem (an old manifest records less). */
  notes: string[];
  verifiedAt: string;
}

export interface VerifyOptions {
  onProgress?: OnProgress | undefined;
  signal?: AbortSignal | undefined;
}

/** Why a schema 1 manifest's archive can be sound yet incomplete. */
export function completenessNote(volume: ManifestVolume): string | null {
  if (volume.strategy !== 'archive' || volume.entryListSha256 !== null) return null;
  return `${volume.name}: manifest schema 1 does not record the entry list: completeness cannot be checked (written before backups failed when their tree was removed under them)`;
}

/**
 * Re-reads one artifact completely: sha256 and size against the manifest, then every tar entry (count,
 * content bytes, the entry list's digest, unsafe entries) or the pg_dump magic. Returns the problems
 * found; empty means sound.
 */
export async function verifyVolume(
  backupPath: string,
  volume: ManifestVolume,
  options: VerifyOptions = {},
): Promise<string[]> {
  const file = join(backupPath, volume.artifact);
  const name = volume.name;
  try {
    await stat(file);
  } catch {
    return [`${name}: artifact ${volume.artifact} is missing`];
  }
  const problems: string[] = [];
  const meter = progressMeter(options.onProgress, {
    operation: 'verify',
    volume: name,
    bytesTotal: volume.artifactBytes,
  });
  const tap = hashTap((bytes) => meter.add(bytes));
  let digest: { sha256: string; bytes: number };
  if (volume.strategy === 'postgres-logical') {
    digest = await hashFile(file, options.signal);
    const head = await readHead(file, PGDUMP_MAGIC.length);
    if (!head.equals(PGDUMP_MAGIC))
      problems.push(`${name}: ${volume.artifact} is not a pg_dump custom-format file`);
  } else {
    try {
      const scan = await scanArchive(file, volume.compression, {
        onRaw: tap.update,
        check: unsafeReason,
        signal: options.signal,
      });
      digest = tap.digest();
      if (scan.entries !== volume.entries)
        problems.push(`${name}: ${scan.entries} entries, manifest says ${volume.entries}`);
      if (scan.bytes !== volume.bytes)
        problems.push(`${name}: ${scan.bytes} content bytes, manifest says ${volume.bytes}`);
      if (volume.entryListSha256 !== null && scan.entryListSha256 !== volume.entryListSha256)
        problems.push(`${name}: the archive's list of entries does not match the manifest's entryListSha256`);
      for (const reason of scan.unsafe.slice(0, 5)) problems.push(`${name}: unsafe entry: ${reason}`);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      problems.push(`${name}: cannot read ${volume.artifact}: ${(error as Error).message}`);
      digest = await hashFile(file, options.signal);
    }
  }
  meter.finish();
  return [...problems, ...digestProblems(volume, digest)];
}

/**
 * BACKUP_CORRUPT (BACKUP_UNSAFE_ENTRY when an entry is unsafe) naming PROBLEMS, before a restore of VOLUME
 * changes anything; nothing when there are none.
 */
export function refuseDamaged(volume: string, problems: readonly string[]): void {
  if (problems.length === 0) return;
  const unsafe = problems.some((p) => p.includes('unsafe entry'));
  throw new PhoenixError(
    unsafe ? 'BACKUP_UNSAFE_ENTRY' : 'BACKUP_CORRUPT',
    `refusing to restore ${volume}: ${problems.join('; ')}`,
    {
      hint: 'nothing was changed; restore an older backup (list the backups to choose one)',
      details: { problems },
    },
  );
}

/** How an artifact's size and sha256 differ from what the manifest recorded (empty: they match). */
export function digestProblems(volume: ManifestVolume, digest: { sha256: string; bytes: number }): string[] {
  const problems: string[] = [];
  if (digest.bytes !== volume.artifactBytes)
    problems.push(`${volume.name}: ${digest.bytes} bytes on disk, manifest says ${volume.artifactBytes}`);
  if (digest.sha256 !== volume.sha256)
    problems.push(`${volume.name}: sha256 ${digest.sha256} does not match the manifest's ${volume.sha256}`);
  return problems;
}

/** Verifies every artifact of a backup and records the outcome in `verified.json` (atomically). */
export async function verifyBackup(
  backupDir: string,
  id: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  if (!isBackupId(id))
    throw new PhoenixError('BACKUP_NOT_FOUND', `"${id}" is not a backup id`, { exitCode: 2 });
  const path = join(backupDir, id);
  try {
    await stat(path);
  } catch (error) {
    throw new PhoenixError('BACKUP_NOT_FOUND', `no backup ${id} in ${backupDir}`, {
      hint: 'list the backup directory to see which backups it holds',
      cause: error,
    });
  }
  const problems: string[] = [];
  const notes: string[] = [];
  try {
    const manifest = await readManifest(path);
    for (const volume of manifest.volumes) {
      problems.push(...(await verifyVolume(path, volume, options)));
      const note = completenessNote(volume);
      if (note !== null) notes.push(note);
    }
  } catch (error) {
    if (!isPhoenixError(error) || !['BACKUP_CORRUPT', 'BACKUP_NOT_FOUND'].includes(error.code)) throw error;
    problems.push(error.message);
  }
  const result = { id, ok: problems.length === 0, problems, notes, verifiedAt: new Date().toISOString() };
  await writeVerification(path, { verifiedAt: result.verifiedAt, ok: result.ok, problems, toolVersion });
  return result;
}

/** Verifies every backup in the directory, newest first; broken manifests come back as failed results. */
export async function verifyAll(
  backupDir: string,
  options: VerifyOptions & { project?: string | undefined } = {},
): Promise<VerifyResult[]> {
  const results: VerifyResult[] = [];
  for (const backup of await listBackups(backupDir)) {
    // A broken backup's project is unknown: it is always reported.
    if (
      options.project !== undefined &&
      backup.status === 'ok' &&
      backup.manifest.project !== options.project
    )
      continue;
    results.push(await verifyBackup(backupDir, backup.id, options));
  }
  return results;
}
