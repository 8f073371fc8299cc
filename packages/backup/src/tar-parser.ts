import { decodeName } from './raw-names.ts';
import { BLOCK, decodeHeader, isZeroBlock, padded, parsePax, type TarEntry } from './tar-format.ts';

/** What a parser reports, synchronously, in archive order. */
export interface TarHandler {
  /** A header; the entry's `size` content bytes follow through `data` (possibly in several pieces). */
  entry(entry: TarEntry): void;
  /** A piece of the current entry's content; only valid during the call (copy to keep it). */
  data(piece: Buffer): void;
  /** The current entry's content is complete (called for every entry, also those without content). */
  entryEnd(): void;
  /**
   * Called by `feedArchive` after each piece it parsed, before other code may run: the handler puts
   * back any process-wide state it changed (extraction's working directory).
   */
  pause?(): void;
}

/** Pax and GNU long-name records are kept in memory: bound them so a hostile archive cannot exhaust it. */
const MAX_META_BYTES = 1024 * 1024;
const META_TYPES = new Set([
  'ExtendedHeader',
  'GlobalExtendedHeader',
  'NextFileHasLongPath',
  'NextFileHasLongLinkpath',
]);

function applyPax(entry: TarEntry, records: Map<string, string>): void {
  for (const [key, value] of records) {
    if (key === 'path') entry.path = value;
    else if (key === 'linkpath') entry.linkpath = value;
    else if (key === 'size' || key === 'uid' || key === 'gid' || key === 'mtime') {
      const number = value.trim() === '' ? Number.NaN : Number(value);
      // Only a time may be negative (before 1970: GNU tar writes `mtime=-1`, `mtime=-302443199.5`).
      if (!Number.isFinite(number) || (number < 0 && key !== 'mtime'))
        throw new Error(`invalid pax ${key} "${value}"`);
      entry[key] = key === 'mtime' ? number : Math.trunc(number);
    }
  }
}

/**
 * A streaming tar reader: feed it the uncompressed archive in pieces of any size with `write`, then
 * call `end`. Headers are checksum-checked; pax (`x`, `g`) and GNU long-name (`L`, `K`) records are
 * applied to the entry they describe and not reported. An archive must end with its zero blocks:
 * `end` throws on a truncated one. Content is passed through without copying.
 */
export class TarParser {
  readonly #handler: TarHandler;
  readonly #header = Buffer.alloc(BLOCK);
  #headerFill = 0;
  /** Content bytes of the current entry still to come, then its padding. */
  #remaining = 0;
  #padding = 0;
  #meta: { type: string; body: Buffer; fill: number } | null = null;
  #global = new Map<string, string>();
  #pax: Map<string, string> | null = null;
  #longPath: string | null = null;
  #longLink: string | null = null;
  #inEntry = false;
  #ended = false;

  constructor(handler: TarHandler) {
    this.#handler = handler;
  }

  /** True once the end-of-archive block was read; anything after it is ignored, as GNU tar does. */
  get ended(): boolean {
    return this.#ended;
  }

  write(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.#ended) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - offset);
        const piece = chunk.subarray(offset, offset + take);
        if (this.#meta !== null) {
          piece.copy(this.#meta.body, this.#meta.fill);
          this.#meta.fill += take;
        } else {
          this.#handler.data(piece);
        }
        this.#remaining -= take;
        offset += take;
        if (this.#remaining === 0 && this.#padding === 0) this.#finishEntry();
        continue;
      }
      if (this.#padding > 0) {
        const skip = Math.min(this.#padding, chunk.length - offset);
        this.#padding -= skip;
        offset += skip;
        if (this.#padding === 0) this.#finishEntry();
        continue;
      }
      // A header: straight from the chunk when it holds all 512 bytes, else gathered across chunks.
      let block: Buffer;
      let at: number;
      if (this.#headerFill === 0 && chunk.length - offset >= BLOCK) {
        block = chunk;
        at = offset;
        offset += BLOCK;
      } else {
        const take = Math.min(BLOCK - this.#headerFill, chunk.length - offset);
        chunk.copy(this.#header, this.#headerFill, offset, offset + take);
        this.#headerFill += take;
        offset += take;
        if (this.#headerFill < BLOCK) continue;
        this.#headerFill = 0;
        block = this.#header;
        at = 0;
      }
      this.#readHeader(block, at);
    }
  }

  /** Checks that the archive was complete. */
  end(): void {
    if (!this.#ended) throw new Error('unexpected end of archive (truncated, or not a tar archive)');
  }

  #readHeader(block: Buffer, at: number): void {
    if (isZeroBlock(block, at)) {
      if (this.#pax !== null || this.#longPath !== null || this.#longLink !== null)
        throw new Error('tar archive ends after an extended header');
      this.#ended = true;
      return;
    }
    const entry = decodeHeader(block, at);
    if (META_TYPES.has(entry.type)) {
      if (entry.size > MAX_META_BYTES) throw new Error(`tar extended header of ${entry.size} bytes`);
      this.#meta = { type: entry.type, body: Buffer.alloc(entry.size), fill: 0 };
      this.#remaining = entry.size;
      this.#padding = padded(entry.size) - entry.size;
      if (entry.size === 0) this.#finishEntry();
      return;
    }
    applyPax(entry, this.#global);
    if (this.#pax !== null) applyPax(entry, this.#pax);
    if (this.#longPath !== null) entry.path = this.#longPath;
    if (this.#longLink !== null) entry.linkpath = this.#longLink;
    this.#pax = null;
    this.#longPath = null;
    this.#longLink = null;
    // Only regular files carry content (a hard link's size, if any, is not followed by data).
    const hasContent = entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile';
    if (!hasContent) entry.size = 0;
    this.#inEntry = true;
    this.#handler.entry(entry);
    this.#remaining = entry.size;
    this.#padding = padded(entry.size) - entry.size;
    if (entry.size === 0) this.#finishEntry();
  }

  #finishEntry(): void {
    const meta = this.#meta;
    if (meta !== null) {
      this.#meta = null;
      if (meta.type === 'ExtendedHeader') this.#pax = parsePax(meta.body);
      else if (meta.type === 'GlobalExtendedHeader')
        this.#global = new Map([...this.#global, ...parsePax(meta.body)]);
      else {
        const text = decodeName(meta.body).replace(/\0+$/, '');
        if (meta.type === 'NextFileHasLongPath') this.#longPath = text;
        else this.#longLink = text;
      }
      return;
    }
    if (this.#inEntry) {
      this.#inEntry = false;
      this.#handler.entryEnd();
    }
  }
}
