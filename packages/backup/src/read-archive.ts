import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { BufferedFile } from './buffered-file.ts';
import { decompressor } from './compression.ts';
import { EntryListHash } from './entry-list.ts';
import type { TarEntry } from './tar-format.ts';
import { type TarHandler, TarParser } from './tar-parser.ts';
import type { Compression } from './types.ts';
import { throughStream, zstdContent } from './zstd-frames.ts';

/** Options of a read: `onRaw` sees every byte of the artifact file, in order (hash, progress). */
export interface ReadOptions {
  onRaw?: ((chunk: Buffer) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Decompressed content is handed to the parser in slices of this size with the event loop let in
 * between, so the decompression lanes and file reads are kept busy while a large piece is extracted
 * (measured: 30,000 files restored in 1.04-1.26 s instead of 1.17-1.40 s).
 */
const SLICE_BYTES = 64 * 1024;

/** The uncompressed tar bytes of an artifact (zstd frames decompressed in parallel where they allow it). */
export function plainContent(file: BufferedFile, compression: Compression): AsyncIterable<Buffer> {
  return compression === 'none'
    ? file.take(Number.MAX_SAFE_INTEGER)
    : compression === 'gzip'
      ? throughStream(decompressor('gzip'), async (each) => {
          for await (const piece of file.take(Number.MAX_SAFE_INTEGER)) await each(piece);
        })
      : zstdContent(file, Math.min(availableParallelism(), 4));
}

/**
 * Reads an artifact to its end, decompressing it (zstd frames in parallel where they allow it) into
 * a tar parser that calls `handler` synchronously; resolves once the whole archive, up to its
 * end-of-archive blocks, was handled. An exception from the handler stops the read and rejects.
 */
export async function feedArchive(
  artifact: string,
  compression: Compression,
  handler: TarHandler,
  options: ReadOptions = {},
): Promise<void> {
  const handle = await open(artifact, 'r');
  try {
    const content = plainContent(new BufferedFile(handle, options.onRaw, options.signal), compression);
    const parser = new TarParser(handler);
    for await (const piece of content) {
      options.signal?.throwIfAborted();
      // Bytes after the end-of-archive blocks are read (for the hash) but not parsed.
      for (let at = 0; at < piece.length && !parser.ended; at += SLICE_BYTES) {
        try {
          parser.write(piece.subarray(at, at + SLICE_BYTES));
        } finally {
          handler.pause?.();
        }
        if (at + SLICE_BYTES < piece.length) await yieldToLoop();
      }
    }
    parser.end();
  } finally {
    handler.pause?.();
    await handle.close();
  }
}

export interface ScanResult {
  entries: number;
  bytes: number;
  /** See entry-list.ts. */
  entryListSha256: string;
  unsafe: string[];
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/** Reads every entry of an archive without writing anything: counts, content bytes, unsafe entries. */
export async function scanArchive(
  artifact: string,
  compression: Compression,
  options: ReadOptions & { check?: (entry: TarEntry) => string | null } = {},
): Promise<ScanResult> {
  const result: ScanResult = { entries: 0, bytes: 0, entryListSha256: '', unsafe: [] };
  const list = new EntryListHash();
  const handler: TarHandler = {
    entry(entry) {
      result.entries += 1;
      list.add(entry);
      if (FILE_TYPES.has(entry.type)) result.bytes += entry.size;
      const reason = options.check?.(entry);
      if (reason) result.unsafe.push(reason);
    },
    data() {},
    entryEnd() {},
  };
  await feedArchive(artifact, compression, handler, options);
  result.entryListSha256 = list.digest();
  return result;
}
