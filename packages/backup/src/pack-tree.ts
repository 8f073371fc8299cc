import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  type Stats,
  statSync,
} from 'node:fs';
import { resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { PhoenixError } from '@phoenix-hydra/errors';
import { EntryListHash } from './entry-list.ts';
import { decodeName, fsName, isWellFormed } from './raw-names.ts';
import { BLOCK, encodeHeader, padded, type WritableType } from './tar-format.ts';
import { currentDir } from './working-dir.ts';

interface Dir {
  /** `./`-relative path of the directory, without a trailing slash ('.' for the root). */
  path: string;
  /** Device and inode the directory had when it was listed: a directory replaced since is not entered. */
  dev: number;
  ino: number;
  names: string[];
  next: number;
  /**
   * Some of its names (or its path) are not valid UTF-8 and are escaped (raw-names.ts): its entries
   * go to the fs API as bytes, and by absolute path when the process cannot move into it.
   */
  raw: boolean;
}

interface Pending {
  path: string;
  stat: Stats;
  /** The directory holding the entry (null for the root), and the entry's name in it. */
  dir: Dir | null;
  name: string;
}

export interface TreePackerOptions {
  /**
   * Look entries up by name from inside their directory (the process's working directory is moved
   * there during each synchronous `fill` and moved back before it returns) instead of by absolute
   * path: one path component to resolve per lstat and open instead of all of them (measured: 30,000
   * files packed about 70 ms faster). Default: on the main thread; workers cannot change directory.
   */
  chdir?: boolean | undefined;
  /** Names in the root starting with one of these are left out with everything under them (see leftOut). */
  leaveOut?: readonly string[] | undefined;
}

/** True for an entry path (`./a/b`, `a/b`) under a root name starting with one of `prefixes`. */
export function leftOut(path: string, prefixes: readonly string[] | undefined): boolean {
  if (!prefixes?.length) return false;
  const top = (path.startsWith('./') ? path.slice(2) : path).split('/')[0] ?? '';
  return top !== '' && top !== '.' && prefixes.some((p) => top.startsWith(p));
}

interface OpenFile {
  fd: number;
  /** Content bytes still to copy into the archive. */
  remaining: number;
  /** Zero bytes after the content, up to the next 512-byte boundary. */
  padding: number;
}

const SKIPPED = -1;

const compareNames = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A directory the packer entered is gone or another one: what it wrote of the tree is not the tree. */
function treeChanged(path: string): PhoenixError {
  return new PhoenixError(
    'BACKUP_FAILED',
    `${path} was removed or replaced while it was backed up; the backup would be incomplete`,
    {
      hint: 'something else (a cleanup, a restore, a container) changed the volume meanwhile: run the backup again once it is done',
      details: { path },
    },
  );
}

/**
 * Writes a directory tree as a tar stream into caller-supplied blocks, synchronously: `fill(block)`
 * packs entries until the block is full and resumes where it stopped on the next call, so the caller
 * decides how many blocks are in flight (memory is those blocks, the listings of the directories on
 * the current path, and the paths of files with several hard links). Order: each directory, then its
 * entries sorted by name, depth first — what GNU tar needs to restore directory times. Paths are
 * `./`-relative, owners numeric, times whole seconds; hard links after the first become links.
 * Sockets, fifos and devices are skipped, as are files that vanish while the tree is read; a
 * directory it entered that is removed or replaced before it was read to the end (the tree deleted
 * under it) throws BACKUP_FAILED, since the archive would silently hold part of the tree.
 */
export class TreePacker {
  readonly #root: string;
  readonly #stack: Dir[] = [];
  readonly #links = new Map<string, string>();
  readonly #chdir: boolean;
  readonly #leaveOut: readonly string[] | undefined;
  #file: OpenFile | null = null;
  #pending: Pending | null = null;
  /** The directory the process is in during a `fill` (null: not moved, use absolute paths). */
  #cwd: Dir | null = null;
  #moved = false;
  #started = false;
  #finished = false;
  #endBlocks = 2;
  /** Entries written, content bytes of regular files, and paths left out (`skipped`, without `./`). */
  entries = 0;
  bytes = 0;
  readonly skipped: string[] = [];
  /** The digest of the entries written (see entry-list.ts). */
  readonly list = new EntryListHash();

  constructor(root: string, options: TreePackerOptions = {}) {
    this.#root = resolve(root);
    this.#chdir = (options.chdir ?? true) && isMainThread;
    this.#leaveOut = options.leaveOut;
  }

  /** True once the whole tree and the end-of-archive blocks were written. */
  get done(): boolean {
    return this.#finished;
  }

  /** Fills `block` (its length a multiple of 512) as far as the tree allows; returns the bytes written. */
  fill(block: Buffer): number {
    if (!this.#started) {
      this.#started = true;
      // A root given as a symlink is followed.
      this.#pending = { path: '.', stat: statSync(this.#root), dir: null, name: '.' };
    }
    const home = this.#chdir ? currentDir() : null;
    try {
      return this.#fill(block, home !== null);
    } finally {
      if (this.#moved) {
        this.#moved = false;
        this.#cwd = null;
        process.chdir(home as string);
      }
    }
  }

  #fill(block: Buffer, relative: boolean): number {
    let at = 0;
    while (at < block.length) {
      if (this.#file !== null) {
        at = this.#copyFile(block, at);
        continue;
      }
      if (this.#pending === null) this.#pending = this.#nextEntry(relative);
      if (this.#pending === null) {
        // The two zero blocks that end an archive, as many as fit.
        const zeros = Math.min(this.#endBlocks * BLOCK, block.length - at - ((block.length - at) % BLOCK));
        if (zeros === 0) break;
        block.fill(0, at, at + zeros);
        at += zeros;
        this.#endBlocks -= zeros / BLOCK;
        if (this.#endBlocks === 0) this.#finished = true;
        break;
      }
      const written = this.#writeEntry(block, at, this.#pending, relative);
      if (written === 0) break; // the header does not fit: the next block starts with it
      this.#pending = null;
      if (written !== SKIPPED) at += written;
    }
    return at;
  }

  /** Closes a file left open by an abandoned archive. */
  close(): void {
    if (this.#file !== null) closeSync(this.#file.fd);
    this.#file = null;
  }

  #nextEntry(relative: boolean): Pending | null {
    for (;;) {
      const dir = this.#stack.at(-1);
      if (dir === undefined) return null;
      const name = dir.names[dir.next];
      if (name === undefined) {
        this.#checkUnchanged(dir);
        this.#stack.pop();
        continue;
      }
      dir.next += 1;
      const path = `${dir.path}/${name}`;
      try {
        return { path, stat: lstatSync(this.#locate(dir, name, relative)), dir, name };
      } catch (error) {
        if (!isGone(error)) throw error;
        this.skipped.push(path.slice(2));
      }
    }
  }

  #abs(path: string): string {
    return path === '.' ? this.#root : `${this.#root}${path.slice(1)}`;
  }

  /**
   * The path to give a system call for `name` in `dir`: the bare name once the process is in `dir`
   * (moving there if needed), else the absolute path (as bytes for escaped names). A directory that
   * is no longer the one listed (replaced, or swapped for a symlink) throws: nothing outside the
   * tree is read.
   */
  #locate(dir: Dir | null, name: string, relative: boolean): string | Buffer {
    if (dir === null) return this.#root;
    if (dir.raw && (!relative || !isWellFormed(dir.path))) return fsName(this.#abs(`${dir.path}/${name}`));
    if (!relative) return this.#abs(`${dir.path}/${name}`);
    if (this.#cwd !== dir) {
      this.#moved = true;
      this.#cwd = null;
      process.chdir(this.#abs(dir.path));
      this.#cwd = dir;
      const here = lstatSync('.');
      if (here.dev !== dir.dev || here.ino !== dir.ino || here.nlink === 0)
        throw treeChanged(this.#abs(dir.path));
    }
    return dir.raw ? fsName(name) : name;
  }

  /** Throws when `dir` is no longer at its path (removed, or replaced by another directory or a link). */
  #checkUnchanged(dir: Dir): void {
    const path = this.#abs(dir.path);
    let now: Stats | undefined;
    try {
      // The root was followed if it is a symlink; everything below it never is.
      now = dir.path === '.' ? statSync(path) : lstatSync(fsName(path));
    } catch (error) {
      if (!isGone(error)) throw error;
    }
    if (now === undefined || now.dev !== dir.dev || now.ino !== dir.ino) throw treeChanged(path);
  }

  /** Header (and, for a file, opens it for `#copyFile`); 0 when it does not fit in this block, SKIPPED when left out. */
  #writeEntry(block: Buffer, at: number, pending: Pending, relative: boolean): number {
    const { path, stat } = pending;
    const locate = () => this.#locate(pending.dir, pending.name, relative);
    const base = { mode: stat.mode, uid: stat.uid, gid: stat.gid, mtime: Math.floor(stat.mtimeMs / 1000) };
    let type: WritableType;
    let size = 0;
    let linkpath: string | undefined;
    let fd: number | undefined;
    if (stat.isDirectory()) {
      type = 'Directory';
    } else if (stat.isSymbolicLink()) {
      type = 'SymbolicLink';
      try {
        linkpath = readlinkSync(locate());
        // Not valid UTF-8 (Node put U+FFFD in): read it again as bytes and escape them.
        if (linkpath.includes('\uFFFD'))
          linkpath = decodeName(readlinkSync(locate(), { encoding: 'buffer' }));
      } catch (error) {
        if (!isGone(error)) throw error;
        return this.#skip(path);
      }
    } else if (stat.isFile()) {
      const key = stat.nlink > 1 ? `${stat.dev}:${stat.ino}` : undefined;
      const first = key === undefined ? undefined : this.#links.get(key);
      if (first !== undefined) {
        type = 'Link';
        linkpath = first;
      } else {
        type = 'File';
        size = stat.size;
        if (size > 0) {
          try {
            fd = openSync(locate(), constants.O_RDONLY | constants.O_NOFOLLOW);
          } catch (error) {
            if (!isGone(error)) throw error;
            return this.#skip(path);
          }
        }
        if (key !== undefined) this.#links.set(key, path);
      }
    } else {
      return this.#skip(path);
    }
    const header = { ...base, path: type === 'Directory' ? `${path}/` : path, type, size, linkpath };
    const written = encodeHeader(block, at, header);
    if (written === 0) {
      if (fd !== undefined) closeSync(fd);
      if (type === 'File' && stat.nlink > 1) this.#links.delete(`${stat.dev}:${stat.ino}`);
      return 0;
    }
    this.entries += 1;
    this.bytes += size;
    this.list.add(header);
    if (fd !== undefined) this.#file = { fd, remaining: size, padding: padded(size) - size };
    if (type === 'Directory') this.#enter(pending, relative);
    return written;
  }

  /** Leaves out the pending entry: it vanished, or is a socket, fifo or device. */
  #skip(path: string): number {
    this.skipped.push(path.slice(2));
    return SKIPPED;
  }

  #enter(pending: Pending, relative: boolean): void {
    let names: string[];
    // Below an escaped name, every path holds one.
    let raw = pending.dir?.raw === true && !isWellFormed(pending.path);
    try {
      const path = this.#locate(pending.dir, pending.name, relative);
      names = readdirSync(path);
      // A name that is not valid UTF-8 comes back with U+FFFD in it: list again as bytes, escaped.
      if (names.some((name) => name.includes('\uFFFD'))) {
        names = readdirSync(path, { encoding: 'buffer' }).map((name) => decodeName(name));
        raw = true;
      }
    } catch (error) {
      if (!isGone(error)) throw error;
      throw treeChanged(this.#abs(pending.path)); // its header is written: it cannot be left out now
    }
    const { dev, ino } = pending.stat;
    if (pending.path === '.' && this.#leaveOut?.length)
      names = names.filter((n) => !leftOut(n, this.#leaveOut));
    this.#stack.push({ path: pending.path, dev, ino, names: names.sort(compareNames), next: 0, raw });
  }

  /** Copies file content straight into the block; a file that shrank is padded with zeros, one that grew is cut. */
  #copyFile(block: Buffer, at: number): number {
    const file = this.#file as OpenFile;
    let offset = at;
    while (file.remaining > 0 && offset < block.length) {
      const want = Math.min(file.remaining, block.length - offset);
      const got = readSync(file.fd, block, offset, want, null);
      if (got === 0) {
        block.fill(0, offset, offset + want); // shrank while we read it
      }
      const step = got === 0 ? want : got;
      offset += step;
      file.remaining -= step;
    }
    if (file.remaining === 0) {
      const pad = Math.min(file.padding, block.length - offset);
      block.fill(0, offset, offset + pad);
      offset += pad;
      file.padding -= pad;
      if (file.padding === 0) {
        closeSync(file.fd);
        this.#file = null;
      }
    }
    return offset;
  }
}
