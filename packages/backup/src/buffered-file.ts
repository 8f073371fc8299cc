import type { FileHandle } from 'node:fs/promises';

/** How much is read from the file at a time. */
const READ_BYTES = 1024 * 1024;

/**
 * Sequential reads from a file through one reusable buffer, for parsers that look a few bytes ahead.
 * `onRaw` sees every byte read, once and in order (for a hash or a progress meter).
 */
export class BufferedFile {
  readonly #handle: FileHandle;
  readonly #buffer = Buffer.allocUnsafeSlow(READ_BYTES);
  readonly #onRaw: ((chunk: Buffer) => void) | undefined;
  readonly #signal: AbortSignal | undefined;
  #start = 0;
  #end = 0;
  #eof = false;

  constructor(handle: FileHandle, onRaw?: (chunk: Buffer) => void, signal?: AbortSignal) {
    this.#handle = handle;
    this.#onRaw = onRaw;
    this.#signal = signal;
  }

  /** Bytes available without reading. */
  get available(): number {
    return this.#end - this.#start;
  }

  /** Reads until `length` (≤ 1 MiB) bytes are available; false when the file ends first. */
  async ensure(length: number): Promise<boolean> {
    while (this.available < length) {
      if (this.#eof) return false;
      await this.#readMore();
    }
    return true;
  }

  /** The byte at `offset` from the current position (call `ensure` first). */
  byte(offset: number): number {
    return this.#buffer[this.#start + offset] as number;
  }

  /** The available bytes, as a view valid until the next read. */
  view(length: number): Buffer {
    return this.#buffer.subarray(this.#start, this.#start + length);
  }

  /** Moves past `length` available bytes. */
  consume(length: number): void {
    this.#start += length;
  }

  /**
   * Yields the next `length` bytes (or up to the end of the file) as views of the read buffer, each
   * valid until the generator is resumed; returns false if the file ended first.
   */
  async *take(length: number): AsyncGenerator<Buffer, boolean> {
    let done = 0;
    while (done < length) {
      if (this.available === 0) {
        if (this.#eof) return false;
        await this.#readMore();
        continue;
      }
      const size = Math.min(length - done, this.available);
      const view = this.view(size);
      this.consume(size);
      done += size;
      yield view;
    }
    return true;
  }

  async #readMore(): Promise<void> {
    this.#signal?.throwIfAborted();
    if (this.#start > 0) {
      this.#buffer.copy(this.#buffer, 0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    const { bytesRead } = await this.#handle.read(this.#buffer, this.#end, READ_BYTES - this.#end, null);
    if (bytesRead === 0) {
      this.#eof = true;
      return;
    }
    this.#onRaw?.(this.#buffer.subarray(this.#end, this.#end + bytesRead));
    this.#end += bytesRead;
  }
}
