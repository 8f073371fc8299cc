import type { Stats } from 'node:fs';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import { type OpenedFile, openPinnedDir, type PinnedDir, UnsafeEntryError } from '../pinned-dir.ts';
import { copyToEnd } from './compress-file.ts';
import {
  COPIED_SUFFIX,
  copiesBeyondKeep,
  freeRotatedName,
  isLiveLogName,
  PARTIAL_SUFFIX,
  parseRotatedName,
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

/** A file left alone: not a plain file of the volume when opened (a link, FIFO, hard link), or a name too long. */
export interface SkippedFile {
  file: string;
  /** Reads after "which": "is a FIFO", "was replaced while being rotated". */
  reason: string;
}

/** What a rotation did; running it again right away changes nothing. */
export interface RotationReport {
  dir: string;
  rotated: RotatedFile[];
  compressed: string[];
  removed: string[];
  recovered: string[];
  skipped: SkippedFile[];
}

/** Why a log's name that is not a regular file is left alone (the remote rotation says it in the same words). */
export const NOT_A_FILE = {
  link: 'is a symbolic link (links are never followed)',
  fifo: 'is a FIFO',
  socket: 'is a socket',
  device: 'is a device',
} as const;

/** One run: the policy, the stamp for new names, and what was done so far. */
interface Run {
  input: RotateInput;
  stamp: string;
  report: RotationReport;
}

/** The longest file name Linux filesystems take, in bytes. */
const NAME_MAX = 255;

/**
 * The regular files (by lstat) and subdirectories of one directory: a listing only. Every file is
 * opened again through the pinned directory, without following links, before anything is done to it.
 */
/** What a non-regular entry is, as the report says it: never followed, read or emptied. */
function otherKind(st: Stats): string {
  if (st.isSymbolicLink()) return NOT_A_FILE.link;
  if (st.isFIFO()) return NOT_A_FILE.fifo;
  if (st.isSocket()) return NOT_A_FILE.socket;
  return NOT_A_FILE.device;
}

async function listDir(
  dir: PinnedDir,
): Promise<{ files: Map<string, Stats>; dirs: string[]; others: Map<string, string> }> {
  const files = new Map<string, Stats>();
  const dirs: string[] = [];
  const others = new Map<string, string>();
  for (const name of (await dir.list()).sort()) {
    const st = await lstat(dir.at(name)).catch(() => null);
    if (st?.isFile()) files.set(name, st);
    else if (st?.isDirectory()) dirs.push(name);
    else if (st) others.set(name, otherKind(st));
  }
  return { files, dirs, others };
}

/** Opens a file of the volume without following links, refusing hard links; null (and a `skipped` line) otherwise. */
async function openOrSkip(dir: PinnedDir, name: string, file: string, write: boolean, run: Run) {
  try {
    return await dir.openFile(name, { write, single: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null; // gone since the listing
    if (!(error instanceof UnsafeEntryError)) throw error;
    run.report.skipped.push({ file, reason: error.reason });
    return null;
  }
}

/**
 * Copies `from` into `to` (created, in the same pinned directory), with the owner of the source (as
 * namespace root; else best effort) and its mode; `then` runs once the copy is complete and synced, the
 * partial name is removed on failure.
 */
async function copyInto(dir: PinnedDir, from: OpenedFile, to: string, compress: boolean): Promise<number> {
  const out = await open(dir.at(to), 'wx', from.st.mode & 0o666);
  try {
    const copied = await copyToEnd(from.handle, out, { start: 0, compress });
    await out.chown(from.st.uid, from.st.gid).catch(() => undefined);
    await out.sync();
    return copied;
  } catch (error) {
    await unlink(dir.at(to)).catch(() => undefined);
    throw error;
  } finally {
    await out.close();
  }
}

/**
 * Copy-truncate: the copy is complete under a `.phoenix-copied` name before the log is truncated, so a
 * crash never loses both. The truncate is an ftruncate of the descriptor the copy was read from, never
 * a path a container may have swapped for a link meanwhile. Writers with O_APPEND (nginx, most loggers)
 * go on at the new end; what they write between the last read and the truncate (microseconds) is lost,
 * as with logrotate's copytruncate.
 */
async function copyTruncate(dir: PinnedDir, log: OpenedFile, target: string, compress: boolean) {
  const partial = `${target}${PARTIAL_SUFFIX}`;
  const copied = await copyInto(dir, log, partial, compress);
  await rename(dir.at(partial), dir.at(`${target}${COPIED_SUFFIX}`));
  await log.handle.truncate(0);
  await rename(dir.at(`${target}${COPIED_SUFFIX}`), dir.at(target));
  return { copied, stored: (await lstat(dir.at(target))).size };
}

async function rotateOne(
  dir: PinnedDir,
  name: string,
  listed: Stats,
  file: string,
  taken: Set<string>,
  run: Run,
) {
  const { input, report } = run;
  const target = freeRotatedName(name, run.stamp, taken);
  const final = input.compress ? `${target}.zst` : target;
  if (Buffer.byteLength(`${final}${PARTIAL_SUFFIX}`) > NAME_MAX) {
    report.skipped.push({ file, reason: 'has a name too long to add a rotation suffix' });
    return;
  }
  const holders = input.held[`${listed.dev}:${listed.ino}`];
  const heldBy = holders?.length ? `process ${holders.join(', ')}` : input.assumeOpen;
  const log = await openOrSkip(dir, name, file, heldBy !== null, run);
  if (log === null) return;
  try {
    if (log.st.ino !== listed.ino || log.st.dev !== listed.dev) {
      report.skipped.push({ file, reason: 'was replaced while being rotated' });
      return;
    }
    const to = file.slice(0, file.length - name.length);
    if (heldBy !== null) {
      const { copied, stored } = await copyTruncate(dir, log, final, input.compress);
      report.rotated.push({
        file,
        to: `${to}${final}`,
        bytes: copied,
        storedBytes: stored,
        method: 'copy-truncate',
        heldBy,
      });
    } else {
      await rename(dir.at(name), dir.at(target));
      const bytes = log.st.size;
      report.rotated.push({
        file,
        to: `${to}${target}`,
        bytes,
        storedBytes: bytes,
        method: 'rename',
        heldBy: null,
      });
    }
  } finally {
    await log.handle.close();
  }
}

/** Compresses the rotated copies of one directory nobody writes to into `<name>.zst` and removes the originals. */
async function compressRotated(dir: PinnedDir, rel: string, run: Run): Promise<void> {
  for (const name of (await listDir(dir)).files.keys()) {
    const parsed = parseRotatedName(name);
    if (parsed === null || parsed.compressed) continue;
    const file = `${rel}${name}`;
    const source = await openOrSkip(dir, name, file, false, run);
    if (source === null) continue;
    let stored: number;
    try {
      await copyInto(dir, source, `${name}.zst${PARTIAL_SUFFIX}`, true);
      await rename(dir.at(`${name}.zst${PARTIAL_SUFFIX}`), dir.at(`${name}.zst`));
      stored = (await lstat(dir.at(`${name}.zst`))).size;
    } finally {
      await source.handle.close();
    }
    await unlink(dir.at(name));
    run.report.compressed.push(`${file}.zst`);
    const done = run.report.rotated.find((r) => r.to === file);
    if (done) {
      done.to = `${file}.zst`;
      done.storedBytes = stored;
    }
  }
}

/** Finishes what a crashed rotation left: a complete copy is kept, a partial one dropped (its log was not truncated). */
async function recover(dir: PinnedDir, rel: string, names: Iterable<string>, report: RotationReport) {
  for (const name of names) {
    if (name.endsWith(PARTIAL_SUFFIX)) {
      await unlink(dir.at(name)).catch(() => undefined);
      report.recovered.push(`${rel}${name}`);
    } else if (name.endsWith(COPIED_SUFFIX)) {
      await rename(dir.at(name), dir.at(name.slice(0, -COPIED_SUFFIX.length)));
      report.recovered.push(`${rel}${name}`);
    }
  }
}

/** Removes rotated copies beyond the newest `keep` of each log of one directory. */
async function prune(dir: PinnedDir, rel: string, run: Run): Promise<void> {
  for (const name of copiesBeyondKeep((await listDir(dir)).files.keys(), run.input.keep)) {
    await unlink(dir.at(name));
    run.report.removed.push(`${rel}${name}`);
  }
}

/** Everything for one directory, then its subdirectories, each opened through its parent's descriptor. */
async function rotateDir(dir: PinnedDir, rel: string, run: Run): Promise<void> {
  await recover(dir, rel, (await listDir(dir)).files.keys(), run.report);
  const { files, dirs, others } = await listDir(dir);
  const taken = new Set(await dir.list());
  // A log name that is a link, FIFO or device is the container's doing: say it was left alone.
  for (const [name, reason] of others) {
    if (isLiveLogName(name)) run.report.skipped.push({ file: `${rel}${name}`, reason });
  }
  for (const [name, st] of files) {
    if (isLiveLogName(name) && st.size > run.input.maxBytes)
      await rotateOne(dir, name, st, `${rel}${name}`, taken, run);
  }
  if (run.input.compress) await compressRotated(dir, rel, run);
  await prune(dir, rel, run);
  for (const name of dirs) {
    const sub = await dir.sub(name).catch(() => null); // replaced by something else since the listing
    if (sub === null) continue;
    try {
      await rotateDir(sub, `${rel}${name}/`, run);
    } finally {
      await sub.close();
    }
  }
}

/**
 * Rotates every log file in `dir` (recursively) larger than `maxBytes`: renamed when nothing holds it
 * open, copied and truncated otherwise; rotated copies are zstd-compressed and only the newest `keep` per
 * log are kept. The volume is the container's: every directory is entered and every file opened through
 * its parent's descriptor without following links, so nothing outside is read, moved, emptied or
 * removed; links, FIFOs, devices and hard-linked files are left alone and listed in `skipped`.
 * Idempotent; callers serialise runs with a lock (the CLI takes one per project).
 */
export async function rotateLogs(input: RotateInput): Promise<RotationReport> {
  const report: RotationReport = {
    dir: input.dir,
    rotated: [],
    compressed: [],
    removed: [],
    recovered: [],
    skipped: [],
  };
  const stamp = rotationStamp(input.now === undefined ? new Date() : new Date(input.now));
  const root = await openPinnedDir(input.dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (root === null) return report;
  try {
    await rotateDir(root, '', { input, stamp, report });
  } finally {
    await root.close();
  }
  return report;
}
