import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** A regular file modified after the previous scan; `path` is relative to the scanned root. */
interface ChangedFile {
  path: string;
  bytes: number;
  mtime: string;
}

/** Bytes and inodes of one first-level entry of a volume: where the growth is. */
export interface TopUsage {
  bytes: number;
  files: number;
}

/** What `du -sb` and `du -s --inodes` report, plus where the bytes are and what changed. */
export interface TreeUsage {
  /** Apparent bytes of every inode (directories and symlinks included), hard links counted once. */
  bytes: number;
  /** Inodes, directories included, as `du --inodes` counts them. */
  files: number;
  top: Record<string, TopUsage>;
  /** Regular files modified after `since`; `changed` holds the newest `maxChanged` of them. */
  changedCount: number;
  changed: ChangedFile[];
  /** Directories this process may not read (absolute paths): their content is not counted. */
  unreadable: string[];
}

/** Options of a scan. */
export interface ScanOptions {
  /** Epoch milliseconds; regular files modified later are reported as changed. */
  since?: number | undefined;
  /** How many changed files to list (default 20); all are counted. */
  maxChanged?: number | undefined;
  /** Scan only the content of these directories below the root (their own inodes were counted by the caller). */
  within?: readonly string[] | undefined;
}

const NO_THROW = { throwIfNoEntry: false } as const;

interface Pending {
  dir: string;
  dev: number;
  ino: number;
  /** Path relative to the root ('' for the root itself). */
  rel: string;
  top: string | null;
}

interface Counter {
  usage: TreeUsage;
  links: Set<string>;
  since: number | undefined;
  max: number;
  changed: (ChangedFile & { ms: number })[];
}

function add(c: Counter, top: string | null, bytes: number, files: number): void {
  c.usage.bytes += bytes;
  c.usage.files += files;
  if (top === null) return;
  const entry = c.usage.top[top];
  if (entry) {
    entry.bytes += bytes;
    entry.files += files;
  } else {
    c.usage.top[top] = { bytes, files };
  }
}

function changed(c: Counter, st: Stats, path: string): void {
  c.usage.changedCount += 1;
  c.changed.push({ path, bytes: st.size, mtime: '', ms: st.mtimeMs });
  if (c.changed.length > 2 * c.max + 1000) trimChanged(c);
}

/** Counts one inode unless it is a hard link already counted. */
function count(c: Counter, st: Stats, top: string | null, path: () => string): void {
  if (st.nlink > 1 && !st.isDirectory()) {
    const key = `${st.dev}:${st.ino}`;
    if (c.links.has(key)) return;
    c.links.add(key);
  }
  add(c, top, st.size, 1);
  if (c.since !== undefined && st.mtimeMs > c.since && st.isFile()) changed(c, st, path());
}

/** Keeps the newest `max` changed files, so memory stays flat when everything changed. */
function trimChanged(c: Counter): void {
  c.changed.sort((a, b) => b.ms - a.ms).length = Math.min(c.changed.length, c.max);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

function currentDir(): string | null {
  try {
    return process.cwd();
  } catch {
    return null; // the working directory was deleted: scan with absolute paths
  }
}

/**
 * Walks a tree the way `du -s -b` does, synchronously: lstat only (symlinks are never followed), hard
 * links counted once (dev+ino), directories counted. For speed it chdir()s into each directory and
 * stats names relative to it, as du's fts does with its directory descriptors (a deep absolute path
 * costs the kernel a lookup per component); the working directory is restored before it returns, and
 * no other JavaScript runs meanwhile. Each directory is checked to be the inode seen in its parent, so
 * one swapped for a symlink mid-scan is skipped, not followed. In worker threads (no chdir) it stats
 * absolute paths. Unreadable directories are listed, not thrown: the caller may scan them elsewhere.
 */
export function scanTree(root: string, options: ScanOptions = {}): TreeUsage {
  const absRoot = resolve(root);
  const c: Counter = {
    usage: { bytes: 0, files: 0, top: {}, changedCount: 0, changed: [], unreadable: [] },
    links: new Set(),
    since: options.since,
    max: options.maxChanged ?? 20,
    changed: [],
  };
  const stack: Pending[] = [];
  if (options.within === undefined) {
    const st = lstatSync(absRoot);
    count(c, st, null, () => '.');
    if (st.isDirectory()) stack.push({ dir: absRoot, dev: st.dev, ino: st.ino, rel: '', top: null });
  } else {
    for (const dir of options.within) {
      const st = lstatSync(dir);
      const rel = relative(absRoot, dir);
      if (st.isDirectory())
        stack.push({ dir, dev: st.dev, ino: st.ino, rel, top: rel.split('/')[0] || null });
    }
  }
  const home = isMainThread ? currentDir() : null;
  try {
    walk(c, stack, home !== null);
  } finally {
    if (home !== null) process.chdir(home);
  }
  trimChanged(c);
  c.usage.changed = c.changed.map(({ path, bytes, ms }) => ({
    path,
    bytes,
    mtime: new Date(ms).toISOString(),
  }));
  return c.usage;
}

function walk(c: Counter, stack: Pending[], chdir: boolean): void {
  for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
    let names: string[];
    try {
      if (chdir) {
        process.chdir(d.dir);
        const here = lstatSync('.');
        if (here.dev !== d.dev || here.ino !== d.ino) continue; // replaced while we scanned: not ours
      }
      names = readdirSync(chdir ? '.' : d.dir);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EACCES' || code === 'EPERM') c.usage.unreadable.push(d.dir);
      else if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      continue;
    }
    const { dir, rel, top } = d;
    // Summed per directory, added to the first-level entry once: a hash lookup per directory, not per file.
    let bytes = 0;
    let files = 0;
    for (const name of names) {
      const st = lstatSync(chdir ? name : join(dir, name), NO_THROW);
      if (st === undefined) continue; // deleted since readdir
      const isDir = st.isDirectory();
      if (top === null) {
        count(c, st, name, () => name);
      } else {
        if (st.nlink > 1 && !isDir) {
          const key = `${st.dev}:${st.ino}`;
          if (c.links.has(key)) continue;
          c.links.add(key);
        }
        bytes += st.size;
        files += 1;
        if (c.since !== undefined && st.mtimeMs > c.since && st.isFile()) changed(c, st, `${rel}/${name}`);
      }
      if (isDir) {
        stack.push({
          dir: join(dir, name),
          dev: st.dev,
          ino: st.ino,
          rel: rel === '' ? name : `${rel}/${name}`,
          top: top ?? name,
        });
      }
    }
    if (top !== null) add(c, top, bytes, files);
  }
}
