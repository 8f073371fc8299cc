import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** What a copy must reproduce: entries, bytes, and a digest of every entry's path, type, mode, owner and size. */
export interface TreeSummary {
  entries: number;
  bytes: number;
  digest: string;
}

/**
 * Summarises the tree under `root` as seen from this process (inside the user namespace, owners
 * read as the container sees them). Two trees with equal summaries hold the same names, types,
 * modes, owners and sizes; the copy itself (cp -a) carries the contents.
 */
export async function summarizeTree(root: string): Promise<TreeSummary> {
  const hash = createHash('sha256');
  let entries = 0;
  let bytes = 0;
  const pending = [''];
  for (let rel = pending.pop(); rel !== undefined; rel = pending.pop()) {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const stat = await lstat(join(root, path));
      entries += 1;
      if (stat.isFile()) bytes += stat.size;
      if (stat.isDirectory()) pending.push(path);
      const size = stat.isDirectory() ? 0 : stat.size;
      hash.update(`${path}\0${stat.mode}\0${stat.uid}:${stat.gid}\0${size}\n`);
    }
  }
  const top = await lstat(root);
  hash.update(`.\0${top.mode}\0${top.uid}:${top.gid}\n`);
  return { entries, bytes, digest: hash.digest('hex') };
}

/** True when `dir` is missing or holds nothing. */
export async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}
