import { renameSync } from 'node:fs';
import { lchown, lstat, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
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

/** Written before a swap's first move and removed after its last: what a killed deploy leaves to finish or undo. */
interface SwapJournal {
  incoming: string;
  saveTo: string;
  /** What `incoming` held: while all of it is still there, nothing moved in yet and the swap is undone. */
  incomingNames: string[];
}

/** Where the journal of a swap into `live` lives: beside the volume, outside the container's reach. */
export function swapJournalPath(live: string): string {
  return `${live}.swap.json`;
}

async function writeJournal(live: string, journal: SwapJournal): Promise<void> {
  const temp = `${swapJournalPath(live)}.tmp`;
  await writeFile(temp, JSON.stringify(journal), { flush: true });
  await rename(temp, swapJournalPath(live));
}

/**
 * Replaces the content of `live` with that of `incoming` by renames (same filesystem, so each entry moves
 * atomically and nothing is copied): live's entries go to `saveTo`, incoming's come in. The directory
 * itself is never replaced, which a bind-mounted volume requires. On failure every move is undone. The
 * moves run back to back (synchronous renames, microseconds); a journal (swapJournalPath) lets
 * recoverSwap finish or undo a swap whose process was killed among them.
 */
export async function swapContents(input: ContentSwapInput): Promise<ContentSwapResult> {
  const out = await readdir(input.live);
  const incoming = await readdir(input.incoming);
  if (input.owner) for (const name of incoming) await chownTree(join(input.incoming, name), input.owner);
  await writeJournal(input.live, { incoming: input.incoming, saveTo: input.saveTo, incomingNames: incoming });
  await mkdir(input.saveTo, { mode: 0o755 });
  const movedOut: string[] = [];
  const movedIn: string[] = [];
  try {
    for (const name of out) {
      renameSync(join(input.live, name), join(input.saveTo, name));
      movedOut.push(name);
    }
    for (const name of incoming) {
      renameSync(join(input.incoming, name), join(input.live, name));
      movedIn.push(name);
    }
  } catch (error) {
    for (const name of movedIn.reverse()) renameSync(join(input.live, name), join(input.incoming, name));
    for (const name of movedOut.reverse()) renameSync(join(input.saveTo, name), join(input.live, name));
    await rm(swapJournalPath(input.live), { force: true });
    throw error;
  }
  await rmdir(input.incoming);
  await rm(swapJournalPath(input.live), { force: true });
  return { movedOut, movedIn };
}

/**
 * Brings a swap into `live` that was killed midway to a consistent state, from its journal and what is
 * on disk: when nothing of `incoming` had moved in, the entries already moved out go back (the old
 * configuration); otherwise the rest of `incoming` moves in (the new one, which nginx -t had passed).
 * Returns one sentence per thing done, for the user; none when there was no journal. Safe to run again.
 */
export async function recoverSwap(input: { live: string }): Promise<string[]> {
  const text = await readFile(swapJournalPath(input.live), 'utf8').catch(() => null);
  if (text === null) return [];
  const journal = JSON.parse(text) as SwapJournal;
  const pending = await readdir(journal.incoming).catch(() => [] as string[]);
  const done: string[] = [];
  if (journal.incomingNames.every((name) => pending.includes(name))) {
    const saved = await readdir(journal.saveTo).catch(() => [] as string[]);
    for (const name of saved) await rename(join(journal.saveTo, name), join(input.live, name));
    await rmdir(journal.saveTo).catch(() => undefined);
    done.push(
      `undid a swap an interrupted deploy began: ${saved.length} entries moved back from ${journal.saveTo} into ${input.live}`,
    );
  } else {
    for (const name of pending) await rename(join(journal.incoming, name), join(input.live, name));
    await rmdir(journal.incoming).catch(() => undefined);
    done.push(
      `finished a swap an interrupted deploy began: ${input.live} now holds ${journal.incoming}'s configuration (the replaced files are in ${journal.saveTo}); nginx was not reloaded with it`,
    );
  }
  await rm(swapJournalPath(input.live), { force: true });
  return done;
}
