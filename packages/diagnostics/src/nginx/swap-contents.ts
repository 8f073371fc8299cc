import { lchown, lstat, mkdir, readdir, rename, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UnsafeEntryError } from '../pinned-dir.ts';

/** What to swap; JSON-serialisable, as it runs inside `podman unshare` on subuid-owned volumes. */
export interface ContentSwapInput {
  /** The volume directory. It stays: its inode is what podman bind-mounted into the container. */
  live: string;
  /** Directory whose entries become the live content; removed once empty. */
  incoming: string;
  /** Created; receives the entries the swap replaces. */
  saveTo: string;
  /** Owner (as the namespace sees it) given to the incoming entries, recursively; null keeps theirs. */
  owner: { uid: number; gid: number } | null;
}

/** The entries that moved, by name. */
export interface ContentSwapResult {
  movedOut: string[];
  movedIn: string[];
}

/**
 * Never follows a link (lchown): as namespace root, chown through a link to ~/.ssh/authorized_keys would
 * hand that file to the container's user. A file with other hard links is refused for the same reason.
 */
async function chownTree(path: string, owner: { uid: number; gid: number }): Promise<void> {
  const st = await lstat(path);
  if (st.isFile() && st.nlink > 1)
    throw new UnsafeEntryError(path, `has ${st.nlink} hard links; not changing its owner`);
  await lchown(path, owner.uid, owner.gid);
  if (!st.isDirectory()) return;
  for (const name of await readdir(path)) await chownTree(join(path, name), owner);
}

/**
 * Replaces the content of `live` with that of `incoming` by renames (same filesystem, so each entry moves
 * atomically and nothing is copied): live's entries go to `saveTo`, incoming's come in. The directory
 * itself is never replaced, which a bind-mounted volume requires. On failure every move is undone.
 */
export async function swapContents(input: ContentSwapInput): Promise<ContentSwapResult> {
  await mkdir(input.saveTo, { mode: 0o755 });
  const out = await readdir(input.live);
  const incoming = await readdir(input.incoming);
  if (input.owner) for (const name of incoming) await chownTree(join(input.incoming, name), input.owner);
  const movedOut: string[] = [];
  const movedIn: string[] = [];
  try {
    for (const name of out) {
      await rename(join(input.live, name), join(input.saveTo, name));
      movedOut.push(name);
    }
    for (const name of incoming) {
      await rename(join(input.incoming, name), join(input.live, name));
      movedIn.push(name);
    }
  } catch (error) {
    for (const name of movedIn.reverse()) await rename(join(input.live, name), join(input.incoming, name));
    for (const name of movedOut.reverse()) await rename(join(input.saveTo, name), join(input.live, name));
    throw error;
  }
  await rmdir(input.incoming);
  return { movedOut, movedIn };
}
