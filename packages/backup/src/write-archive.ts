import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pack, type WriteEntry } from 'tar';
import { compressor } from './compression.ts';
import { hashTap } from './hash-tap.ts';
import { progressMeter } from './progress.ts';
import type { Compression, OnProgress } from './types.ts';
import { estimateTarBytes, walkTree } from './walk.ts';

/** Paths queued in the packer ahead of what it has written: bounds memory on huge trees. */
const MAX_QUEUED = 256;
/** node-tar's read buffer per file (default 16 MiB, times 4 jobs); 1 MiB keeps memory flat. */
const READ_SIZE = 1024 * 1024;
const STAT_CACHE_SIZE = 4 * MAX_QUEUED;

export interface WriteArchiveOptions {
  root: string;
  /** Created with O_EXCL and mode 0600; fsynced before returning. */
  out: string;
  compression: Compression;
  volume: string;
  onProgress?: OnProgress | undefined;
  signal?: AbortSignal | undefined;
}

export interface ArchiveStats {
  entries: number;
  bytes: number;
  artifactBytes: number;
  sha256: string;
  skipped: string[];
}

/**
 * node-tar's stat cache, capped: it only saves a second lstat of an entry just queued, and an
 * unbounded Map would grow with every file of the volume. An evicted entry is simply lstat'ed again.
 */
class BoundedMap<K, V> extends Map<K, V> {
  override set(key: K, value: V): this {
    if (this.size >= STAT_CACHE_SIZE) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}

/**
 * Streams `root` as a tar archive (numeric owners, modes, mtimes, symlinks, hard links; paths `./`-
 * relative, depth-first so GNU tar restores directory times) through zstd or gzip into `out`.
 */
export async function writeArchive(options: WriteArchiveOptions): Promise<ArchiveStats> {
  const root = resolve(options.root);
  const total = options.onProgress ? await estimateTarBytes(root) : undefined;
  const meter = progressMeter(options.onProgress, {
    operation: 'backup',
    volume: options.volume,
    bytesTotal: total,
  });
  let entries = 0;
  let bytes = 0;
  let written = 0;
  let wake: (() => void) | undefined;
  const pack = new Pack({
    cwd: root,
    portable: false,
    noDirRecurse: true,
    strict: true,
    maxReadSize: READ_SIZE,
    linkCache: new Map(),
    statCache: new BoundedMap(),
    onWriteEntry(entry: WriteEntry) {
      entries += 1;
      if (entry.type === 'File') bytes += entry.stat?.size ?? 0;
      written += 1;
      wake?.();
    },
  });
  const state = { stopped: false };
  const skipped: string[] = [];
  const feed = async () => {
    let queued = 0;
    for await (const item of walkTree(root)) {
      if (state.stopped) return;
      if (item.kind === 'special') {
        skipped.push(item.path.slice(2));
        continue;
      }
      pack.write(item.path);
      queued += 1;
      while (queued - written > MAX_QUEUED && !state.stopped) {
        await new Promise<void>((resolveWait) => {
          wake = resolveWait;
        });
      }
    }
    pack.end();
  };
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      meter.add(chunk.length);
      callback(null, chunk);
    },
  });
  const tap = hashTap();
  const source = async function* () {
    yield* pack as AsyncIterable<Buffer>;
  };
  const feeding = feed().catch((error: unknown) => {
    pack.emit('error', error instanceof Error ? error : new Error(String(error)));
  });
  try {
    await pipeline(
      source,
      counter,
      compressor(options.compression),
      tap.stream,
      // flush: fsync before close, so the artifact is on disk when the pipeline resolves.
      createWriteStream(options.out, { flags: 'wx', mode: 0o600, flush: true }),
      ...(options.signal ? [{ signal: options.signal }] : []),
    );
    await feeding;
  } finally {
    state.stopped = true;
    wake?.();
  }
  meter.finish();
  const { sha256, bytes: artifactBytes } = tap.digest();
  return { entries, bytes, artifactBytes, sha256, skipped };
}
