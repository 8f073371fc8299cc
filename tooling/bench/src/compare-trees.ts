import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';

const chunk = Buffer.allocUnsafe(1024 * 1024);

function contentHash(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk))
      hash.update(chunk.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** What a restore must reproduce of one entry, as one comparable line. */
function describe(root: string, rel: string, owners: boolean, links: Map<string, string>): string {
  const path = join(root, rel);
  const st = lstatSync(path);
  const mode = (st.mode & 0o7777).toString(8);
  const owner = owners ? ` ${st.uid}:${st.gid}` : '';
  const mtime = Math.floor(st.mtimeMs / 1000);
  if (st.isDirectory()) return `${rel} dir ${mode}${owner} ${mtime}`;
  if (st.isSymbolicLink()) return `${rel} symlink${owner} ${mtime} -> ${readlinkSync(path)}`;
  if (!st.isFile()) return `${rel} other`;
  if (st.nlink > 1) {
    const key = `${st.ino}`;
    const first = links.get(key);
    if (first !== undefined) return `${rel} hardlink to ${first}`;
    links.set(key, rel);
  }
  return `${rel} file ${mode}${owner} ${mtime} ${st.size} ${contentHash(path)}`;
}

function* walk(root: string, rel = '.'): Generator<string> {
  yield rel;
  const dir = rel === '.' ? root : join(root, rel);
  if (!lstatSync(dir).isDirectory()) return;
  for (const name of readdirSync(dir).sort()) yield* walk(root, rel === '.' ? name : `${rel}/${name}`);
}

/**
 * Compares two trees entry by entry — type, mode, mtime (whole seconds, what tar keeps), size,
 * content, symlink target, hard-link structure, and owners when `owners` — and returns the first
 * differences (empty when the trees match).
 */
export function compareTrees(expected: string, actual: string, owners: boolean, limit = 5): string[] {
  const left = walk(expected);
  const right = walk(actual);
  const linksLeft = new Map<string, string>();
  const linksRight = new Map<string, string>();
  const differences: string[] = [];
  for (;;) {
    const a = left.next();
    const b = right.next();
    if (a.done && b.done) break;
    const want = a.done ? '(nothing)' : describe(expected, a.value, owners, linksLeft);
    const got = b.done ? '(nothing)' : describe(actual, b.value, owners, linksRight);
    if (want !== got) {
      differences.push(`expected ${want}\n      got ${got}`);
      if (differences.length >= limit) break;
    }
  }
  return differences;
}
