import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
} from 'node:fs';
import { posix, resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { PhoenixError } from '@phoenix-hydra/errors';
import { EntryListHash } from './entry-list.ts';
import { normalizeEntryPath, unsafeReason } from './entry-safety.ts';
import { fsName, isWellFormed } from './raw-names.ts';
import { feedArchive } from './read-archive.ts';
import { SparseWriter } from './sparse-write.ts';
import type { TarEntry } from './tar-format.ts';
import type { Compression } from './types.ts';
import { currentDir } from './working-dir.ts';

export interface ExtractOptions {
  artifact: string;
  compression: Compression;
  /** An empty directory we created: the only place anything is written. */
  staging: string;
  /** Set owners from the archive's numeric ids: needs root, or `podman unshare` for subuid owners. */
  preserveOwner: boolean;
  /** Sees every byte of the artifact file (a progress meter). */
  onRaw?: ((chunk: Buffer) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** Refuse (BACKUP_CORRUPT) before writing more entries or content bytes than this: the manifest's counts. */
  limits?: { entries: number; bytes: number } | undefined;
}

/** What was extracted: the entry count and content bytes a manifest records. */
export interface ExtractStats {
  entries: number;
  bytes: number;
  /** See entry-list.ts. */
  entryListSha256: string;
}

interface DirFixup {
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function unsafe(reason: string, artifact: string): PhoenixError {
  return new PhoenixError('BACKUP_UNSAFE_ENTRY', `refusing to restore: the archive contains ${reason}`, {
    hint: 'this archive was not written by @phoenix-hydra/backup or was tampered with; restore another backup',
    details: { artifact },
  });
}

/**
 * A time for `utimes`: Node takes a negative number of seconds to mean "now", so a time before 1970
 * goes as a Date, which it passes through.
 */
function fileTime(seconds: number): number | Date {
  return seconds < 0 ? new Date(seconds * 1000) : seconds;
}

/** An archive holding more than its manifest says: stopped before the excess is written (a disk-filling bomb). */
function beyond(what: string, artifact: string): PhoenixError {
  return new PhoenixError(
    'BACKUP_CORRUPT',
    `refusing to restore: the archive holds ${what} its manifest records`,
    {
      hint: 'nothing was changed; this archive does not match its manifest: restore another backup',
      details: { artifact },
    },
  );
}

function isExists(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EEXIST';
}

/**
 * Extracts an archive into `staging`, synchronously per decompressed piece (no per-file round trip
 * through the thread pool) while the next piece is decompressed. The first unsafe entry (see
 * entry-safety.ts) stops it with BACKUP_UNSAFE_ENTRY before anything of that entry is written, and
 * nothing is ever written through a symlink: every parent of an entry must be a directory this
 * extraction made, files are opened with O_NOFOLLOW, and a hard link's source must be a file reached
 * through such directories. Symlinks themselves are data: made with their target verbatim, whatever
 * it points at, and never followed. Files get their mode, owner and mtime as they are closed; directories are made
 * writable for the extraction and get their own mode, owner and times at the end, deepest first,
 * as GNU tar does.
 */
export async function extractArchive(options: ExtractOptions): Promise<ExtractStats> {
  const root = resolve(options.staging);
  // Names that are not valid UTF-8 arrive escaped (raw-names.ts) and go to the fs API as their bytes.
  const abs = (path: string) => fsName(path === '.' ? root : `${root}/${path}`);
  const umask = process.umask();
  // New files already belong to us: chown only when the archive says otherwise. Not in a setgid
  // staging directory, whose group new files inherit.
  const inheritsGroup = (statSync(root).mode & 0o2000) !== 0;
  const euid = process.geteuid?.();
  const egid = process.getegid?.();
  const needsChown = (uid: number, gid: number) =>
    options.preserveOwner && (uid !== euid || gid !== egid || inheritsGroup);
  const dirs = new Map<string, DirFixup | null>([['.', null]]);
  const stats: ExtractStats = { entries: 0, bytes: 0, entryListSha256: '' };
  const list = new EntryListHash();
  /** The file being written: where the next piece goes, and its size so far (short of it after a hole). */
  let file: { fd: number; entry: TarEntry; writer: SparseWriter } | null = null;
  // Files are created by name from inside their directory (one path component to resolve instead of
  // all of them: measured 30,000 files restored ~60 ms faster); the working directory is put back
  // before anything else runs (`pause`). Workers cannot change directory and use absolute paths.
  const home = isMainThread ? currentDir() : null;
  let cwd: string | null = null;
  let moved = false;
  const inParent = (path: string): string | Buffer => {
    const slash = path.lastIndexOf('/');
    const parent = slash === -1 ? '.' : path.slice(0, slash);
    // process.chdir takes no bytes: a parent whose name is escaped is used by absolute path.
    if (home === null || !isWellFormed(parent)) return abs(path);
    if (cwd !== parent) {
      moved = true;
      cwd = null;
      process.chdir(`${root}/${parent}`);
      cwd = parent;
    }
    return fsName(path.slice(slash + 1));
  };
  const pause = () => {
    if (!moved) return;
    moved = false;
    cwd = null;
    process.chdir(home as string);
  };

  const ensureParents = (path: string) => {
    const parent = posix.dirname(path);
    if (dirs.has(parent)) return;
    let current = '';
    for (const part of parent.split('/')) {
      current = current === '' ? part : `${current}/${part}`;
      if (dirs.has(current)) continue;
      try {
        mkdirSync(abs(current), 0o755);
      } catch (error) {
        if (isExists(error)) {
          const what = lstatSync(abs(current)).isSymbolicLink() ? 'a symlink' : 'not a directory';
          throw unsafe(
            `${path} below ${current}, which is ${what} (nothing is restored through a link)`,
            options.artifact,
          );
        }
        throw error;
      }
      dirs.set(current, null);
    }
  };

  /** Creates with `make`; a non-directory already at `path` (a repeated entry) is replaced, as GNU tar does. */
  const create = <T>(path: string, make: () => T): T => {
    try {
      return make();
    } catch (error) {
      if (!isExists(error) || dirs.has(path)) {
        if (isExists(error)) throw unsafe(`an entry replacing directory ${path}`, options.artifact);
        throw error;
      }
      unlinkSync(abs(path));
      return make();
    }
  };

  const onEntry = (entry: TarEntry) => {
    const reason = unsafeReason(entry);
    if (reason !== null) throw unsafe(reason, options.artifact);
    const path = normalizeEntryPath(entry.path);
    const mode = entry.mode & 0o7777;
    stats.entries += 1;
    if (options.limits && stats.entries > options.limits.entries)
      throw beyond(`more than the ${options.limits.entries} entries`, options.artifact);
    list.add(entry);
    if (entry.type === 'Directory') {
      if (path !== '.' && !dirs.has(path)) {
        ensureParents(path);
        create(path, () => mkdirSync(abs(path), 0o700));
      }
      dirs.set(path, { mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime });
      return;
    }
    if (path === '.') throw unsafe(`a ${entry.type} entry for the volume's root`, options.artifact);
    ensureParents(path);
    const target = abs(path);
    if (entry.type === 'SymbolicLink') {
      create(path, () => symlinkSync(fsName(entry.linkpath), target));
      if (needsChown(entry.uid, entry.gid)) lchownSync(target, entry.uid, entry.gid);
      lutimesSync(target, fileTime(entry.mtime), fileTime(entry.mtime));
      return;
    }
    if (entry.type === 'Link') {
      const source = normalizeEntryPath(entry.linkpath);
      // The source must be a file this extraction wrote, reached through directories it made.
      const isFile =
        dirs.has(posix.dirname(source)) && lstatSync(abs(source), { throwIfNoEntry: false })?.isFile();
      if (!isFile)
        throw unsafe(
          `hard link ${entry.path} to ${entry.linkpath}, which is not a file of the archive`,
          options.artifact,
        );
      create(path, () => linkSync(abs(source), target));
      return;
    }
    stats.bytes += entry.size;
    if (options.limits && stats.bytes > options.limits.bytes)
      throw beyond(`more than the ${options.limits.bytes} content bytes`, options.artifact);
    const fd = create(path, () => openSync(inParent(path), CREATE, mode));
    file = { fd, entry, writer: new SparseWriter(fd) };
  };

  const onData = (piece: Buffer) => {
    if (file === null) return;
    file.writer.write(piece);
  };

  const onEntryEnd = () => {
    if (file === null) return;
    const { fd, entry, writer } = file;
    file = null;
    try {
      writer.finish();
      if (needsChown(entry.uid, entry.gid)) fchownSync(fd, entry.uid, entry.gid);
      const mode = entry.mode & 0o7777;
      if ((mode & umask) !== 0) fchmodSync(fd, mode); // open() applied the umask
      futimesSync(fd, fileTime(entry.mtime), fileTime(entry.mtime));
    } finally {
      closeSync(fd);
    }
  };

  try {
    await feedArchive(
      options.artifact,
      options.compression,
      { entry: onEntry, data: onData, entryEnd: onEntryEnd, pause },
      { onRaw: options.onRaw, signal: options.signal },
    );
  } finally {
    pause();
    const open = file as { fd: number } | null;
    if (open !== null) closeSync(open.fd);
  }
  for (const [path, fixup] of [...dirs].reverse()) {
    if (fixup === null) continue;
    const target = abs(path);
    if (needsChown(fixup.uid, fixup.gid)) lchownSync(target, fixup.uid, fixup.gid);
    chmodSync(target, fixup.mode);
    utimesSync(target, fileTime(fixup.mtime), fileTime(fixup.mtime));
  }
  stats.entryListSha256 = list.digest();
  return stats;
}
