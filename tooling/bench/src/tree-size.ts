import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Content bytes of regular files (hard links once) and the number of entries, directories included. */
export function treeSize(root: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const seen = new Set<string>();
  const stack = [root];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    files += 1;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        stack.push(path);
        continue;
      }
      files += 1;
      if (!entry.isFile()) continue;
      const st = lstatSync(path);
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      bytes += st.size;
    }
  }
  return { bytes, files };
}
