import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Manifest, type ManifestVolume, readManifest } from '@phoenix-hydra/backup';
import { PhoenixError } from '@phoenix-hydra/errors';
import { findRepoBackup, type RepoBackup } from './list-repo.ts';
import { type RepoAccess, restic } from './restic.ts';
import { listTree, readDescriptor, stageTree, TREES_DIR, type TreeListing } from './trees.ts';

/** A backup fetched from the repository into a private local backup directory; `remove` deletes it. */
export interface FetchedBackup {
  backup: RepoBackup;
  /** Holds `<id>/manifest.json` and the artifacts: give it to the backup package's verify or restore. */
  backupDir: string;
  /**
   * Layout 2: the volumes kept as trees, listed and vetted, not yet restored. Their manifest entries
   * (written by `withTrees`) have no artifact: restore them with `stage` as restoreBackup's `stage`.
   */
  trees: TreeListing[];
  /** The manifest of the fetched dumps (and of the archives, for layout 1) as the snapshot holds it. */
  manifest: Manifest;
  /** Layout 2: rewrites manifest.json listing the trees too, so a restore selects and sizes them. */
  withTrees(): Promise<void>;
  /** Layout 2: fills a restore's staging directory with volume `name`'s tree, checked entry by entry. */
  stage(name: string): ((staging: string) => Promise<{ entries: number; bytes: number }>) | undefined;
  remove(): Promise<void>;
}

/**
 * Fetches one stack backup from the repository into a fresh directory under `workDir` (restic checks
 * every blob it reads and fails on a damaged one). The result is an ordinary local backup, so verify
 * and restore run the same checks (sha256 per artifact, every tar entry vetted, staging and swap) as
 * for the local backup directory. A layout 2 snapshot's trees are not fetched here: they are listed
 * and vetted (`trees`), and restored straight into a restore's staging directory (`stage`). Nothing is
 * left behind on failure.
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
  const target = join(backupDir, backup.id);
  const trees: TreeListing[] = [];
  let manifest: Manifest;
  try {
    const only = backup.layout === 2 ? ['--exclude', `/${TREES_DIR}`] : [];
    await restic(access, { args: ['restore', backup.snapshot, '--target', target, ...only] });
    manifest = await readManifest(target);
    if (manifest.id !== backup.id || manifest.project !== backup.project) {
      throw new PhoenixError(
        'BACKUP_CORRUPT',
        `snapshot ${backup.shortId} is tagged ${backup.project} ${backup.id} but holds ${manifest.project} ${manifest.id}`,
      );
    }
    if (backup.layout === 2)
      for (const tree of (await readDescriptor(target)).trees)
        trees.push(await listTree(access, backup.snapshot, tree.name));
  } catch (error) {
    await remove();
    throw error;
  }
  const descriptorAbout = async () =>
    new Map((await readDescriptor(target)).trees.map((t) => [t.name, t.about]));
  return {
    backup,
    backupDir,
    trees,
    manifest,
    async withTrees() {
      if (trees.length === 0) return;
      const about = await descriptorAbout();
      const volumes: ManifestVolume[] = [
        ...manifest.volumes,
        ...trees.map((t) => treeVolume(t, about.get(t.name) ?? null)),
      ];
      await writeFile(
        join(target, 'manifest.json'),
        `${JSON.stringify({ ...manifest, volumes }, null, 2)}\n`,
      );
    },
    stage(name) {
      const listing = trees.find((t) => t.name === name);
      if (listing === undefined) return undefined;
      return (staging) => stageTree(access, backup.snapshot, listing, staging);
    },
    remove,
  };
}

/**
 * A tree's entry in the manifest a restore reads: an archive volume whose counts are the snapshot's
 * (checkRoom sizes the restore with them, restoreBackup compares what `stage` wrote). It has no
 * artifact of its own; its digests are of the snapshot's listing, never of a file.
 */
function treeVolume(listing: TreeListing, about: ManifestVolume['about']): ManifestVolume {
  const digest = createHash('sha256').update(JSON.stringify(listing.entries)).digest('hex');
  return {
    name: listing.name,
    about,
    strategy: 'archive',
    artifact: `${listing.name}.tar`,
    compression: 'none',
    entries: listing.entries.length,
    bytes: listing.bytes,
    artifactBytes: 0,
    sha256: digest,
    entryListSha256: digest,
    skipped: listing.skipped,
    postgres: null,
  };
}
