import { createHash } from 'node:crypto';

/** What the entry-list digest covers of each entry, as written in (and read from) its tar header. */
export interface ListedEntry {
  type: string;
  path: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  linkpath?: string | undefined;
}

/** Lines are hashed in batches of about this many characters (one native call per batch, not per entry). */
const BATCH = 64 * 1024;

/**
 * sha256 over one line per tar entry (type, mode, owner, mtime, size, path, link target), in archive
 * order. The writer records it in the manifest; verify recomputes it from the archive, so a manifest
 * proves which entries its backup holds, not only how many.
 */
export class EntryListHash {
  readonly #hash = createHash('sha256');
  #pending = '';

  add(entry: ListedEntry): void {
    this.#pending += `${entry.type}\0${entry.mode & 0o7777}\0${entry.uid}\0${entry.gid}\0${entry.mtime}\0${entry.size}\0${entry.path}\0${entry.linkpath ?? ''}\n`;
    if (this.#pending.length >= BATCH) this.#flush();
  }

  digest(): string {
    this.#flush();
    return this.#hash.digest('hex');
  }

  #flush(): void {
    this.#hash.update(this.#pending);
    this.#pending = '';
  }
}
