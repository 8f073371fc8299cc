import { type Dirent, lstatSync, readdirSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { BLOCK, padded } from './tar-format.ts';

function list(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // vanished or unreadable: the archive itself will say so
  }
}

/**
 * The size of the uncompressed tar stream `TreePacker` will write for `root`, for a progress bar's
 * total: one cheap walk (readdir, and lstat for regular files only), yielding to the event loop
 * every few thousand entries; `signal` stops it.
 */
export async function estimateTarBytes(root: string, signal?: AbortSignal): Promise<number> {
  let total = 3 * BLOCK; // the root's header and the two end-of-archive blocks
  const linked = new Set<string>();
  const stack: { abs: string; relLength: number }[] = [{ abs: root, relLength: 1 }];
  let sinceYield = 0;
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    const entries = list(dir.abs);
    for (const entry of entries) {
      const abs = `${dir.abs}/${entry.name}`;
      const relLength = dir.relLength + 1 + Buffer.byteLength(entry.name);
      if (entry.isDirectory()) {
        stack.push({ abs, relLength });
      } else if (!entry.isFile() && !entry.isSymbolicLink()) {
        continue;
      }
      total += relLength >= 100 ? 4 * BLOCK : BLOCK; // a long path needs a pax header first
      if (!entry.isFile()) continue;
      try {
        const stat = lstatSync(abs);
        if (stat.nlink > 1) {
          const key = `${stat.dev}:${stat.ino}`;
          if (linked.has(key)) continue;
          linked.add(key);
        }
        total += padded(stat.size);
      } catch {
        // vanished since readdir
      }
    }
    sinceYield += entries.length;
    if (sinceYield >= 4096) {
      sinceYield = 0;
      await yieldToLoop();
      signal?.throwIfAborted();
    }
  }
  return total;
}
