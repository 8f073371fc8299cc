import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** One path under the walked root, `./`-relative like `tar -C root -cf - .` writes it. */
export interface WalkItem {
  path: string;
  kind: 'directory' | 'file' | 'symlink' | 'special';
}

function kindOf(entry: Dirent): WalkItem['kind'] {
  if (entry.isDirectory()) return 'directory';
  if (entry.isFile()) return 'file';
  if (entry.isSymbolicLink()) return 'symlink';
  return 'special';
}

/**
 * Depth-first, name-sorted walk starting with the root itself (`.`). Each directory is followed by
 * everything inside it, the order GNU tar needs to restore directory mtimes and modes. Memory holds
 * only the listings of the directories on the current path.
 */
export async function* walkTree(root: string): AsyncGenerator<WalkItem> {
  yield { path: '.', kind: 'directory' };
  yield* walkChildren(root, '.');
}

async function* walkChildren(root: string, relative: string): AsyncGenerator<WalkItem> {
  const entries = await readdir(join(root, relative), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const item: WalkItem = { path: `${relative}/${entry.name}`, kind: kindOf(entry) };
    yield item;
    if (item.kind === 'directory') yield* walkChildren(root, item.path);
  }
}

/** The size of the uncompressed tar stream a walk will produce, for a progress bar's total. */
export async function estimateTarBytes(root: string): Promise<number> {
  let total = 1024;
  const linked = new Set<string>();
  for await (const item of walkTree(root)) {
    if (item.kind === 'special') continue;
    total += 1024; // header plus a pax header, usually
    if (item.kind !== 'file') continue;
    const stat = await lstat(join(root, item.path));
    if (stat.nlink > 1) {
      const key = `${stat.dev}:${stat.ino}`;
      if (linked.has(key)) continue;
      linked.add(key);
    }
    total += Math.ceil(stat.size / 512) * 512;
  }
  return total;
}
