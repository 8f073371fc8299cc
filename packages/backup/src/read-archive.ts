import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { PassThrough, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import { decompressor } from './compression.ts';
import type { Compression } from './types.ts';

/**
 * Streams an artifact through its decompressor into a tar parser with back-pressure, resolving when the
 * parser (and, for extraction, every file write) is done. `tap` sees the raw file bytes first.
 */
export async function feedArchive(
  artifact: string,
  compression: Compression,
  sink: Parser,
  tap?: Transform,
  signal?: AbortSignal | undefined,
): Promise<void> {
  const stop = new AbortController();
  const combined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  let sinkError: Error | undefined;
  const closed = new Promise<void>((resolve, reject) => {
    sink.on('error', (error: Error) => {
      sinkError ??= error;
      stop.abort(error);
      reject(error);
    });
    sink.on('close', resolve);
  });
  closed.catch(() => {}); // awaited below; this only marks it handled while the pipeline runs
  const into = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      if (!sink.write(chunk)) await once(sink, 'drain', { signal: combined });
    }
    sink.end();
  };
  try {
    await pipeline(createReadStream(artifact), tap ?? new PassThrough(), decompressor(compression), into, {
      signal: combined,
    });
  } catch (error) {
    // The sink's own error explains more than the abort it causes in the pipeline.
    throw sinkError ?? error;
  }
  await closed;
}

export interface ScanResult {
  entries: number;
  bytes: number;
  unsafe: string[];
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/** Reads every entry of an archive without writing anything: counts, content bytes, unsafe entries. */
export async function scanArchive(
  artifact: string,
  compression: Compression,
  options: {
    tap?: Transform;
    check?: (entry: ReadEntry) => string | null;
    signal?: AbortSignal | undefined;
  } = {},
): Promise<ScanResult> {
  const result: ScanResult = { entries: 0, bytes: 0, unsafe: [] };
  const parser = new Parser({
    strict: true,
    onReadEntry(entry) {
      result.entries += 1;
      if (FILE_TYPES.has(entry.type)) result.bytes += entry.size;
      const reason = options.check?.(entry);
      if (reason) result.unsafe.push(reason);
      entry.resume();
    },
  });
  await feedArchive(artifact, compression, parser, options.tap, options.signal);
  return result;
}
