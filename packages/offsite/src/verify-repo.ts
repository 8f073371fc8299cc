import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type VerifyOptions, verifyBackup } from '@phoenix-hydra/backup';
import { isPhoenixError } from '@phoenix-hydra/errors';
import { type FetchedBackup, fetchFromRepo } from './fetch-from-repo.ts';
import { findRepoBackup, listRepo } from './list-repo.ts';
import { type RepoAccess, restic } from './restic.ts';

/** The outcome for one backup in the repository. */
export interface RepoVerifyResult {
  id: string;
  snapshot: string;
  ok: boolean;
  problems: string[];
}

export interface VerifyRepoOptions extends Pick<VerifyOptions, 'onProgress'> {
  /** Where backups are fetched to while they are checked (removed afterwards). */
  workDir: string;
  /** One backup (id, snapshot id or `latest`); default: every backup of `project`. */
  ref?: string | undefined;
  project?: string | undefined;
  /** Also `restic check --read-data`: every pack of the repository, not only those of the checked backups. */
  readData?: boolean | undefined;
}

/** A layout 2 tree restored into a scratch directory and walked as a restore would; its problems. */
async function verifyTree(fetched: FetchedBackup, name: string): Promise<string[]> {
  const staging = join(fetched.backupDir, `.verify-${name}`);
  await mkdir(staging, { mode: 0o700 });
  try {
    await fetched.stage(name)?.(staging);
    return [];
  } catch (error) {
    if (!isPhoenixError(error)) throw error;
    const details = error.details as { problems?: unknown } | undefined;
    return Array.isArray(details?.problems) ? details.problems.map(String) : [error.message];
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * `restic check` of the repository's structure, then our own walk of each selected backup: fetched
 * (restic authenticates every blob), then every artifact hashed and every tar entry read and vetted
 * against its manifest, as `backup verify` does locally; a layout 2 tree restored into a scratch
 * directory and every entry compared with the snapshot's listing (type, mode, owner, size), unsafe
 * entries refused. A damaged snapshot is a failed result.
 */
export async function verifyRepo(
  access: RepoAccess,
  options: VerifyRepoOptions,
): Promise<{ check: { ok: boolean; problem: string | null }; results: RepoVerifyResult[] }> {
  let check: { ok: boolean; problem: string | null } = { ok: true, problem: null };
  try {
    await restic(access, { args: ['check', ...(options.readData ? ['--read-data'] : [])] });
  } catch (error) {
    if (!isPhoenixError(error) || error.code !== 'RESTIC_FAILED') throw error;
    check = { ok: false, problem: error.message };
  }
  const selected =
    options.ref === undefined
      ? await listRepo(access, options.project)
      : [await findRepoBackup(access, options.ref, options.project)];
  const results: RepoVerifyResult[] = [];
  for (const backup of selected) {
    const base = { id: backup.id, snapshot: backup.shortId };
    let fetched: Awaited<ReturnType<typeof fetchFromRepo>> | undefined;
    try {
      fetched = await fetchFromRepo(access, backup.snapshot, {
        workDir: options.workDir,
        project: options.project,
      });
      const result = await verifyBackup(fetched.backupDir, backup.id, { onProgress: options.onProgress });
      const problems = [...result.problems];
      for (const tree of fetched.trees) problems.push(...(await verifyTree(fetched, tree.name)));
      results.push({ ...base, ok: problems.length === 0, problems });
    } catch (error) {
      if (!isPhoenixError(error)) throw error;
      results.push({ ...base, ok: false, problems: [error.message] });
    } finally {
      await fetched?.remove();
    }
  }
  return { check, results };
}
