import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, readdir } from 'node:fs/promises';

const { O_RDONLY, O_RDWR, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;

/** A volume entry we refuse to act on: a symlink, FIFO, device or hard-linked file where a regular file was expected. */
export class UnsafeEntryError extends Error {
  override readonly name = 'UnsafeEntryError';
  readonly code = 'EUNSAFE';
  /** What it is instead, without the path: "is a FIFO". */
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`${path} ${reason}`);
    this.reason = reason;
  }
}

/** A regular file opened without following links, with what fstat says about the open file itself. */
export interface OpenedFile {
  handle: FileHandle;
  st: Stats;
}

/**
 * A directory held open by descriptor. Names under it resolve against the open inode through
 * /proc/self/fd/N (Linux's way to get openat() from path-based calls), so a container that swaps a
 * directory of its volume for a symlink between our check and our use cannot redirect us outside.
 */
export interface PinnedDir {
  /** The path it was opened by (for messages only; never used again). */
  readonly path: string;
  /** A path to `name` in this very directory; its last component is still subject to the call's own link rules. */
  at(name: string): string;
  /** The names in this directory. */
  list(): Promise<string[]>;
  /** The subdirectory `name`, opened without following a symlink (ELOOP/ENOTDIR if something else is there). */
  sub(name: string): Promise<PinnedDir>;
  /**
   * The regular file `name`, opened with O_NOFOLLOW|O_NONBLOCK (a symlink fails, a FIFO does not block),
   * checked with fstat. `single` also refuses a file with more than one hard link: changing it (truncate,
   * chown) would change the other name too, which may be a file outside the volume.
   */
  openFile(name: string, options: { write: boolean; single: boolean }): Promise<OpenedFile>;
  close(): Promise<void>;
}

function entryName(name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/')) {
    throw new UnsafeEntryError(JSON.stringify(name), 'is not a directory entry name');
  }
  return name;
}

/** What an lstat/fstat result is, for messages. */
export function describeType(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device node';
  if (st.isDirectory()) return 'a directory';
  return st.nlink > 1 ? `a file with ${st.nlink} hard links` : 'a regular file';
}

function pinned(path: string, handle: FileHandle): PinnedDir {
  const at = (name: string) => `/proc/self/fd/${handle.fd}/${entryName(name)}`;
  return {
    path,
    at,
    list: () => readdir(`/proc/self/fd/${handle.fd}`),
    sub: async (name) =>
      pinned(`${path}/${name}`, await open(at(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK)),
    async openFile(name, options) {
      const flags = (options.write ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
      const file = await open(at(name), flags).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ELOOP') throw error;
        throw new UnsafeEntryError(`${path}/${name}`, 'is a symbolic link');
      });
      const st = await file.stat();
      if (!st.isFile() || (options.single && st.nlink > 1)) {
        await file.close();
        throw new UnsafeEntryError(`${path}/${name}`, `is ${describeType(st)}`);
      }
      return { handle: file, st };
    },
    close: () => handle.close(),
  };
}

/** Opens a directory we trust by path (a volume's own directory, which its container cannot replace). */
export async function openPinnedDir(path: string): Promise<PinnedDir> {
  return pinned(path, await open(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK));
}
