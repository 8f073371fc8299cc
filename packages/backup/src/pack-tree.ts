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
import { BLOCK, encodeHeader, padded, type WritableType } from './tar-format.ts';

interface Dir {
  /** `./`-relative path of the directory, without a trailing slash ('.' for the root). */
  path: string;
  names: string[];
  next: number;
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

/**
 * Writes a directory tree as a tar stream into caller-supplied blocks, synchronously: `fill(block)`
 * packs entries until the block is full and resumes where it stopped on the next call, so the caller
 * decides how many blocks are in flight (memory is those blocks, the listings of the directories on
 * the current path, and the paths of files with several hard links). Order: each directory, then its
 * entries sorted by name, depth first — what GNU tar needs to restore directory times. Paths are
 * `./`-relative, owners numeric, times whole seconds; hard links after the first become links.
 * Sockets, fifos and devices are skipped, as are entries that vanish while the tree is read.
 */
export class TreePacker {
  readonly #root: string;
  readonly #stack: Dir[] = [];
  readonly #links = new Map<string, string>();
  #file: OpenFile | null = null;
  #pending: { path: string; stat: Stats } | null = null;
  #started = false;
  #finished = false;
  #endBlocks = 2;
  /** Entries written, content bytes of regular files, and paths left out (`skipped`, without `./`). */
  entries = 0;
  bytes = 0;
  readonly skipped: string[] = [];

  constructor(root: string) {
    this.#root = root;
  }

  /** True once the whole tree and the end-of-archive blocks were written. */
  get done(): boolean {
    return this.#finished;
  }

  /** Fills `block` (its length a multiple of 512) as far as the tree allows; returns the bytes written. */
  fill(block: Buffer): number {
    let at = 0;
    if (!this.#started) {
      this.#started = true;
      this.#pending = { path: '.', stat: statSync(this.#root) }; // a root given as a symlink is followed
    }
    while (at < block.length) {
      if (this.#file !== null) {
        at = this.#copyFile(block, at);
        continue;
      }
      if (this.#pending === null) this.#pending = this.#nextEntry();
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
      const written = this.#writeEntry(block, at, this.#pending.path, this.#pending.stat);
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

  #nextEntry(): { path: string; stat: Stats } | null {
    for (;;) {
      const dir = this.#stack.at(-1);
      if (dir === undefined) return null;
      const name = dir.names[dir.next];
      if (name === undefined) {
        this.#stack.pop();
        continue;
      }
      dir.next += 1;
      const path = `${dir.path}/${name}`;
      try {
        return { path, stat: lstatSync(this.#abs(path)) };
      } catch (error) {
        if (!isGone(error)) throw error;
        this.skipped.push(path.slice(2));
      }
    }
  }

  #abs(path: string): string {
    return path === '.' ? this.#root : `${this.#root}${path.slice(1)}`;
  }

  /** Header (and, for a file, opens it for `#copyFile`); 0 when it does not fit in this block, SKIPPED when left out. */
  #writeEntry(block: Buffer, at: number, path: string, stat: Stats): number {
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
        linkpath = readlinkSync(this.#abs(path));
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
            fd = openSync(this.#abs(path), constants.O_RDONLY | constants.O_NOFOLLOW);
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
    const written = encodeHeader(block, at, {
      ...base,
      path: type === 'Directory' ? `${path}/` : path,
      type,
      size,
      linkpath,
    });
    if (written === 0) {
      if (fd !== undefined) closeSync(fd);
      if (type === 'File' && stat.nlink > 1) this.#links.delete(`${stat.dev}:${stat.ino}`);
      return 0;
    }
    this.entries += 1;
    this.bytes += size;
    if (fd !== undefined) this.#file = { fd, remaining: size, padding: padded(size) - size };
    if (type === 'Directory') this.#enter(path);
    return written;
  }

  /** Leaves out the pending entry: it vanished, or is a socket, fifo or device. */
  #skip(path: string): number {
    this.skipped.push(path.slice(2));
    return SKIPPED;
  }

  #enter(path: string): void {
    let names: string[];
    try {
      names = readdirSync(this.#abs(path));
    } catch (error) {
      if (!isGone(error)) throw error;
      names = [];
    }
    this.#stack.push({ path, names: names.sort(compareNames), next: 0 });
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
