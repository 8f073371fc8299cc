import { type FSWatcher, lstatSync, readdirSync, type Stats, watch } from 'node:fs';
import { join, relative } from 'node:path';
import { scanTree } from '@phoenix-hydra/diagnostics';

/** What one directory contributes: its own inode and its entries that are not directories. */
interface DirState {
  bytes: number;
  files: number;
  subdirs: Set<string>;
  /** Entries with more than one link, counted once for the whole tree (du's rule), by dev:ino. */
  links: Map<string, number>;
}

/** Options of a tracker. */
export interface TreeTrackerOptions {
  /** Above this many directories the tree is not watched: refresh() then rescans it whole. */
  maxDirs: number;
  /** A name changed in the tree (relative to the root): created, written, renamed or removed. */
  onChange?: ((path: string) => void) | undefined;
  /** Watching stopped (too many directories, or the kernel refused a watch); the tracker polls. */
  onUnwatched?: ((reason: string) => void) | undefined;
}

const NO_THROW = { throwIfNoEntry: false } as const;

/**
 * Bytes and inodes of a directory tree, as `du -sb` and `du --inodes` count them, kept current cheaply:
 * one inotify watch per directory marks it dirty, and refresh() re-reads only dirty directories (one
 * readdir and an lstat per entry of each). Nothing is kept per file, only per directory. rescan()
 * re-reads everything, correcting whatever the watches missed (a mount over a directory, a dropped event).
 */
export class TreeTracker {
  readonly root: string;
  bytes = 0;
  files = 0;
  readonly #options: TreeTrackerOptions;
  readonly #dirs = new Map<string, DirState>();
  readonly #linkRefs = new Map<string, { refs: number; size: number }>();
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #dirty = new Set<string>();
  #watching = true;

  constructor(root: string, options: TreeTrackerOptions) {
    this.root = root;
    this.#options = options;
  }

  /** Whether the tree is watched (false: polled by rescan, too many directories or no watches left). */
  get watching(): boolean {
    return this.#watching;
  }

  /** Directories known; also the number of inotify watches held while watching. */
  get directories(): number {
    return this.#dirs.size;
  }

  /** Reads the whole tree again and (re)starts watching it; a polling tracker just counts it again. */
  rescan(): void {
    if (!this.#watching) {
      this.#pollInstead();
      return;
    }
    for (const path of [...this.#dirs.keys()]) this.#forget(path);
    this.#dirty.clear();
    this.bytes = 0;
    this.files = 0;
    this.#linkRefs.clear();
    this.#walk(this.root);
    if (!this.#watching) this.#pollInstead();
  }

  /** Re-reads the directories changed since the last call; returns how many. A polling tracker waits for rescan(). */
  refresh(): number {
    if (!this.#watching) return 0;
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    for (const dir of dirty) if (this.#dirs.has(dir)) this.#reread(dir);
    return dirty.length;
  }

  /** Stops every watch. */
  close(): void {
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  #read(dir: string): DirState | null {
    const self = lstatSync(dir, NO_THROW);
    if (!self?.isDirectory()) return null;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw error;
    }
    const state: DirState = { bytes: self.size, files: 1, subdirs: new Set(), links: new Map() };
    for (const name of names) {
      const st: Stats | undefined = lstatSync(join(dir, name), NO_THROW);
      if (st === undefined) continue;
      if (st.isDirectory()) state.subdirs.add(name);
      else if (st.nlink > 1) state.links.set(`${st.dev}:${st.ino}`, st.size);
      else {
        state.bytes += st.size;
        state.files += 1;
      }
    }
    return state;
  }

  #add(state: DirState, sign: 1 | -1): void {
    this.bytes += sign * state.bytes;
    this.files += sign * state.files;
    for (const [key, size] of state.links) {
      const ref = this.#linkRefs.get(key) ?? { refs: 0, size };
      ref.refs += sign;
      if (sign === 1 && ref.refs === 1) {
        this.bytes += size;
        this.files += 1;
      }
      if (sign === -1 && ref.refs === 0) {
        this.bytes -= ref.size;
        this.files -= 1;
        this.#linkRefs.delete(key);
      } else {
        this.#linkRefs.set(key, ref);
      }
    }
  }

  #walk(start: string): void {
    const stack = [start];
    for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
      const state = this.#read(dir);
      if (state === null) continue;
      this.#dirs.set(dir, state);
      this.#add(state, 1);
      this.#watch(dir);
      for (const name of state.subdirs) stack.push(join(dir, name));
    }
  }

  #reread(dir: string): void {
    const old = this.#dirs.get(dir);
    const state = this.#read(dir);
    if (old === undefined) return;
    if (state === null) {
      this.#forgetTree(dir);
      return;
    }
    this.#add(old, -1);
    this.#add(state, 1);
    this.#dirs.set(dir, state);
    for (const name of old.subdirs) if (!state.subdirs.has(name)) this.#forgetTree(join(dir, name));
    for (const name of state.subdirs) if (!old.subdirs.has(name)) this.#walk(join(dir, name));
  }

  #forget(dir: string): void {
    const state = this.#dirs.get(dir);
    if (state === undefined) return;
    this.#add(state, -1);
    this.#dirs.delete(dir);
    this.#watchers.get(dir)?.close();
    this.#watchers.delete(dir);
  }

  #forgetTree(dir: string): void {
    const prefix = `${dir}/`;
    for (const path of [...this.#dirs.keys()])
      if (path === dir || path.startsWith(prefix)) this.#forget(path);
  }

  #watch(dir: string): void {
    if (!this.#watching) return;
    if (this.#dirs.size > this.#options.maxDirs) {
      this.#stopWatching(`more than ${this.#options.maxDirs} directories`);
      return;
    }
    try {
      const watcher = watch(dir, { persistent: false }, (_type, name) => {
        this.#dirty.add(dir);
        if (name) this.#options.onChange?.(relative(this.root, join(dir, name)));
      });
      watcher.on('error', () => {
        // The directory went away (its parent's watch reports that) or the watch broke: read it again.
        this.#dirty.add(dir);
        watcher.close();
        this.#watchers.delete(dir);
      });
      this.#watchers.set(dir, watcher);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      this.#stopWatching(
        code === 'ENOSPC' ? 'no inotify watches left (fs.inotify.max_user_watches)' : String(error),
      );
    }
  }

  #stopWatching(reason: string): void {
    this.#watching = false;
    this.close();
    this.#options.onUnwatched?.(reason);
  }

  /** Without watches: du's totals from diagnostics' scanner, no per-directory state kept. */
  #pollInstead(): void {
    this.#dirs.clear();
    this.#linkRefs.clear();
    try {
      const usage = scanTree(this.root);
      this.bytes = usage.bytes;
      this.files = usage.files;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.bytes = 0;
      this.files = 0;
    }
  }
}
