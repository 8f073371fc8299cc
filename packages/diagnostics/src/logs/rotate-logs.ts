import type { Dirent, Stats } from 'node:fs';
import { chown, lstat, open, readdir, rename, truncate, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { copyToEnd } from './compress-file.ts';
import {
  COPIED_SUFFIX,
  compareRotated,
  isLiveLogName,
  PARTIAL_SUFFIX,
  parseRotatedName,
  rotatedName,
  rotationStamp,
} from './rotated-name.ts';

/** What to rotate and how; JSON-serialisable, as it may cross into `podman unshare`. */
export interface RotateInput {
  dir: string;
  /** Files larger than this are rotated. */
  maxBytes: number;
  /** Rotated copies kept per log file. */
  keep: number;
  compress: boolean;
  /** Files held open (`dev:ino` → pids, from findOpenFiles): copied and truncated, never renamed. */
  held: Record<string, number[]>;
  /** Set when something unseen may hold every file open (a running container mounts the volume). */
  assumeOpen: string | null;
  /** ISO time used for the rotated names (default now). */
  now?: string;
}

/** One log file rotated. */
export interface RotatedFile {
  /** Paths relative to the logs directory. */
  file: string;
  to: string;
  bytes: number;
  storedBytes: number;
  method: 'rename' | 'copy-truncate';
  /** Why it was copied and truncated instead of renamed. */
  heldBy: string | null;
}

/** What a rotation did; running it again right away changes nothing. */
export interface RotationReport {
  dir: string;
  rotated: RotatedFile[];
  compressed: string[];
  removed: string[];
  recovered: string[];
}

interface Found {
  dir: string;
  name: string;
  st: Stats;
}

async function listTree(dir: string, out: Found[] = []): Promise<Found[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw error;
  }
  for (const e of entries) {
    if (e.isDirectory()) await listTree(join(dir, e.name), out);
    else if (e.isFile()) {
      const st = await lstat(join(dir, e.name)).catch(() => null);
      if (st?.isFile()) out.push({ dir, name: e.name, st });
    }
  }
  return out;
}

/** Gives a file we created the owner and mode of the log it came from (as namespace root; else best effort). */
async function inherit(path: string, from: Stats): Promise<void> {
  await chown(path, from.uid, from.gid).catch(() => undefined);
}

/** A name no other rotated copy of `base` has, in this directory. */
function freeName(dir: string, base: string, stamp: string, taken: Set<string>): string {
  for (let seq = 0; ; seq++) {
    const name = rotatedName(base, stamp, seq);
    if (!taken.has(name) && !taken.has(`${name}.zst`)) {
      taken.add(name);
      return join(dir, name);
    }
  }
}

/**
 * Copy-truncate: the copy is complete under a `.phoenix-copied` name before the log is truncated, so a
 * crash never loses both. Writers with O_APPEND (nginx, most loggers) go on at the new end; what they
 * write between the last read and the truncate (microseconds) is lost, as with logrotate's copytruncate.
 */
async function copyTruncate(
  f: Found,
  target: string,
  compress: boolean,
): Promise<{ copied: number; stored: number }> {
  const path = join(f.dir, f.name);
  const partial = `${target}${PARTIAL_SUFFIX}`;
  const source = await open(path, 'r');
  let copied = 0;
  try {
    const out = await open(partial, 'wx', f.st.mode & 0o666);
    try {
      copied = await copyToEnd(source, out, { start: 0, compress });
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(partial, `${target}${COPIED_SUFFIX}`);
    await truncate(path, 0);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    throw error;
  } finally {
    await source.close();
  }
  await inherit(`${target}${COPIED_SUFFIX}`, f.st);
  await rename(`${target}${COPIED_SUFFIX}`, target);
  return { copied, stored: (await lstat(target)).size };
}

/** Compresses a rotated copy nobody writes to into `<name>.zst` and removes the original. */
async function compressRotated(path: string): Promise<number> {
  const target = `${path}.zst`;
  const partial = `${target}${PARTIAL_SUFFIX}`;
  const st = await lstat(path);
  const source = await open(path, 'r');
  try {
    const out = await open(partial, 'wx', st.mode & 0o666);
    try {
      await copyToEnd(source, out, { start: 0, compress: true });
      await out.sync();
    } finally {
      await out.close();
    }
  } finally {
    await source.close();
  }
  await inherit(partial, st);
  await rename(partial, target);
  await unlink(path);
  return (await lstat(target)).size;
}

/** Finishes what a crashed rotation left: a complete copy is kept, a partial one dropped (its log was not truncated). */
async function recover(files: Found[], report: RotationReport): Promise<void> {
  for (const f of files) {
    const path = join(f.dir, f.name);
    if (f.name.endsWith(PARTIAL_SUFFIX)) {
      await unlink(path).catch(() => undefined);
      report.recovered.push(relative(report.dir, path));
    } else if (f.name.endsWith(COPIED_SUFFIX)) {
      await rename(path, path.slice(0, -COPIED_SUFFIX.length));
      report.recovered.push(relative(report.dir, path));
    }
  }
}

/**
 * Rotates every log file in `dir` (recursively) larger than `maxBytes`: renamed when nothing holds it
 * open, copied and truncated otherwise; rotated copies are zstd-compressed and only the newest `keep` per
 * log are kept. Idempotent; callers serialise runs with a lock (the CLI takes one per project).
 */
export async function rotateLogs(input: RotateInput): Promise<RotationReport> {
  const report: RotationReport = { dir: input.dir, rotated: [], compressed: [], removed: [], recovered: [] };
  const stamp = rotationStamp(input.now === undefined ? new Date() : new Date(input.now));
  const leftovers = (await listTree(input.dir)).filter(
    (f) => f.name.endsWith(PARTIAL_SUFFIX) || f.name.endsWith(COPIED_SUFFIX),
  );
  await recover(leftovers, report);
  for (const f of await listTree(input.dir)) {
    if (!isLiveLogName(f.name) || f.st.size <= input.maxBytes) continue;
    const taken = new Set(await readdir(f.dir));
    const target = freeName(f.dir, f.name, stamp, taken);
    const holders = input.held[`${f.st.dev}:${f.st.ino}`];
    const heldBy = holders?.length ? `process ${holders.join(', ')}` : input.assumeOpen;
    const rel = (p: string) => relative(input.dir, p);
    if (heldBy !== null) {
      const final = input.compress ? `${target}.zst` : target;
      const { copied, stored } = await copyTruncate(f, final, input.compress);
      report.rotated.push({
        file: rel(join(f.dir, f.name)),
        to: rel(final),
        bytes: copied,
        storedBytes: stored,
        method: 'copy-truncate',
        heldBy,
      });
    } else {
      await rename(join(f.dir, f.name), target);
      report.rotated.push({
        file: rel(join(f.dir, f.name)),
        to: rel(target),
        bytes: f.st.size,
        storedBytes: f.st.size,
        method: 'rename',
        heldBy: null,
      });
    }
  }
  const all = await listTree(input.dir);
  if (input.compress) {
    for (const f of all) {
      const parsed = parseRotatedName(f.name);
      if (parsed === null || parsed.compressed) continue;
      const stored = await compressRotated(join(f.dir, f.name));
      report.compressed.push(relative(input.dir, join(f.dir, `${f.name}.zst`)));
      const done = report.rotated.find((r) => r.to === relative(input.dir, join(f.dir, f.name)));
      if (done) {
        done.to = `${done.to}.zst`;
        done.storedBytes = stored;
      }
    }
  }
  await prune(input, report);
  return report;
}

/** Removes rotated copies beyond the newest `keep` of each log. */
async function prune(input: RotateInput, report: RotationReport): Promise<void> {
  const groups = new Map<
    string,
    { path: string; parsed: NonNullable<ReturnType<typeof parseRotatedName>> }[]
  >();
  for (const f of await listTree(input.dir)) {
    const parsed = parseRotatedName(f.name);
    if (parsed === null) continue;
    const key = join(f.dir, parsed.base);
    const group = groups.get(key) ?? [];
    group.push({ path: join(f.dir, f.name), parsed });
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    group.sort((a, b) => compareRotated(a.parsed, b.parsed));
    for (const old of group.slice(Math.max(0, input.keep))) {
      await unlink(old.path);
      report.removed.push(relative(input.dir, old.path));
    }
  }
}
