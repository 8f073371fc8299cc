import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readManifest } from '@phoenix-hydra/backup';
import { PhoenixError } from '@phoenix-hydra/errors';
import { findRepoBackup, type RepoBackup } from './list-repo.ts';
import { type RepoAccess, restic } from './restic.ts';

/** A backup fetched from the repository into a private local backup directory; `remove` deletes it. */
export interface FetchedBackup {
  backup: RepoBackup;
  /** Holds `<id>/manifest.json` and the artifacts: give it to the backup package's verify or restore. */
  backupDir: string;
  remove(): Promise<void>;
}

/**
 * Fetches one stack backup from the repository into a fresh directory under `workDir` (restic checks
 * every blob it reads and fails on a damaged one). The result is an ordinary local backup, so verify
 * and restore run the same checks (sha256 per artifact, every tar entry vetted, staging and swap) as
 * for the local backup directory. Nothing is left behind on failure.
 */
export async function fetchFromRepo(
  access: RepoAccess,
  ref: string,
  options: { workDir: string; project?: string | undefined },
): Promise<FetchedBackup> {
  const backup = await findRepoBackup(access, ref, options.project);
  await mkdir(options.workDir, { recursive: true, mode: 0o700 });
  const backupDir = await mkdtemp(join(options.workDir, '.offsite-fetch-'));
  const remove = () => rm(backupDir, { recursive: true, force: true });
  try {
    const target = join(backupDir, backup.id);
    await restic(access, { args: ['restore', backup.snapshot, '--target', target] });
    const manifest = await readManifest(target);
    if (manifest.id !== backup.id || manifest.project !== backup.project) {
      throw new PhoenixError(
        'BACKUP_CORRUPT',
        `snapshot ${backup.shortId} is tagged ${backup.project} ${backup.id} but holds ${manifest.project} ${manifest.id}`,
      );
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { backup, backupDir, remove };
}
