import { once } from 'node:events';
import type { Transform } from 'node:stream';
import type { BufferedFile } from './buffered-file.ts';
import { type DecodeLane, decompressor, isLastView, STREAM_CHUNK, zstdDecodeLane } from './compression.ts';
import { releaseBuffer } from './release-buffer.ts';

const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames (magic 0x184D2A50-5F) carry metadata any reader ignores. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAX = 128 * 1024;
/** Frames whose compressed bytes fit this are decompressed whole, several at once; larger ones stream. */
const GATHER_BYTES = 4 * 1024 * 1024;

interface FrameHeader {
  /** Magic number, descriptor, window, dictionary id and content size fields. */
  length: number;
  contentSize: number | null;
  checksum: boolean;
}

function corrupt(message: string): Error {
  return new Error(`not a valid zstd stream: ${message}`);
}

/** Reads the next frame's header (skipping skippable frames); null at the end of the file. */
async function readFrameHeader(file: BufferedFile): Promise<FrameHeader | null> {
  for (;;) {
    if (!(await file.ensure(4))) {
      if (file.available === 0) return null;
      throw corrupt('truncated frame header');
    }
    const magic = file.view(4).readUInt32LE(0);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (!(await file.ensure(8))) throw corrupt('truncated skippable frame');
      const size = file.view(8).readUInt32LE(4);
      file.consume(8);
      let skipped = 0;
      for await (const view of file.take(size)) skipped += view.length;
      if (skipped < size) throw corrupt('truncated skippable frame');
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw corrupt('bad frame magic');
    if (!(await file.ensure(5))) throw corrupt('truncated frame header');
    const descriptor = file.byte(4);
    const singleSegment = (descriptor >> 5) & 1;
    const sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >> 6] as number;
    const length = 5 + (singleSegment ? 0 : 1) + ([0, 1, 2, 4][descriptor & 3] as number) + sizeBytes;
    if (!(await file.ensure(length))) throw corrupt('truncated frame header');
    const field = file.view(length).subarray(length - sizeBytes);
    let contentSize: number | null = null;
    if (sizeBytes === 1) contentSize = field.readUInt8(0);
    else if (sizeBytes === 2) contentSize = field.readUInt16LE(0) + 256;
    else if (sizeBytes === 4) contentSize = field.readUInt32LE(0);
    else if (sizeBytes === 8) contentSize = Number(field.readBigUInt64LE(0));
    return { length, contentSize, checksum: ((descriptor >> 2) & 1) === 1 };
  }
}

/**
 * The frame's bytes (header, blocks, checksum) as views valid until the generator is resumed, found
 * by walking the block headers.
 */
async function* framePieces(file: BufferedFile, header: FrameHeader): AsyncGenerator<Buffer> {
  const pass = async function* (length: number) {
    if (!(yield* file.take(length))) throw corrupt('truncated frame');
  };
  yield* pass(header.length);
  for (;;) {
    if (!(await file.ensure(3))) throw corrupt('truncated block header');
    const value = file.byte(0) | (file.byte(1) << 8) | (file.byte(2) << 16);
    const type = (value >> 1) & 3;
    const size = value >>> 3;
    if (type === 3 || size > BLOCK_MAX) throw corrupt('bad block header');
    yield* pass(3 + (type === 1 ? 1 : size));
    if (value & 1) break;
  }
  if (header.checksum) yield* pass(4);
}

type Job = { content: Promise<Buffer[] | null>; slot: Buffer; length: number };

/**
 * Decompresses a zstd file frame by frame, yielding its content in order. Frames whose compressed
 * bytes fit 4 MiB and whose content fits 16 MiB (every frame phoenix-volumes writes) are decompressed
 * whole by `threads` lanes on the thread pool, ahead of the consumer; others (a single-frame archive
 * from `zstd` or an older version) stream through a decompressor of their own, fed exactly that
 * frame. Each yielded piece is released once the consumer asks for the next, so it must not be kept.
 */
export async function* zstdContent(file: BufferedFile, threads: number): AsyncGenerator<Buffer> {
  const lanes: DecodeLane[] = Array.from({ length: threads }, () => zstdDecodeLane());
  const slots: Buffer[] = [];
  const pending: Job[] = [];
  let next = 0;
  const emit = async function* () {
    const job = pending.shift() as Job;
    const pieces = await job.content;
    if (pieces === null) {
      yield* throughStream(decompressor('zstd'), (each) => each(job.slot.subarray(0, job.length)));
    } else {
      for (const piece of pieces) {
        yield piece;
        if (isLastView(piece)) releaseBuffer(piece);
      }
    }
    slots.push(job.slot);
  };
  try {
    for (;;) {
      const header = await readFrameHeader(file);
      if (header === null) break;
      const slot = slots.pop() ?? Buffer.allocUnsafeSlow(GATHER_BYTES);
      const pieces = framePieces(file, header);
      let length = 0;
      let overflow: Buffer | null = null;
      for await (const piece of pieces) {
        if (length + piece.length > slot.length) {
          overflow = Buffer.from(piece);
          break;
        }
        piece.copy(slot, length);
        length += piece.length;
      }
      if (overflow !== null) {
        while (pending.length > 0) yield* emit();
        const prefix = slot.subarray(0, length);
        yield* throughStream(decompressor('zstd'), async (each) => {
          await each(prefix);
          await each(overflow);
          for await (const piece of pieces) await each(piece);
        });
        slots.push(slot);
        continue;
      }
      const lane = lanes[next++ % lanes.length] as DecodeLane;
      const content = lane.decode(slot.subarray(0, length));
      content.catch(() => {}); // awaited in order; this only marks it handled if an earlier one failed
      pending.push({ content, slot, length });
      while (pending.length > threads) yield* emit();
    }
    while (pending.length > 0) yield* emit();
  } finally {
    // Frames still being decompressed finish before the lanes close and the file is closed.
    await Promise.allSettled(pending.map((job) => job.content));
    for (const lane of lanes) lane.close();
  }
}

/**
 * Runs `feed` into `stream` (waiting for drain; pieces are copied, so views may be passed) while
 * yielding the stream's output, each piece released once consumed if it was the last view of its
 * buffer. Feeding stops when the consumer does.
 */
export async function* throughStream(
  stream: Transform,
  feed: (each: (piece: Buffer) => Promise<void>) => Promise<void>,
): AsyncGenerator<Buffer> {
  const stop = new AbortController();
  const feeding = (async () => {
    await feed(async (piece) => {
      if (!stream.write(Buffer.from(piece))) await once(stream, 'drain', { signal: stop.signal });
    });
    stream.end();
  })();
  feeding.catch((error: unknown) => stream.destroy(error as Error));
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      yield piece;
      if (isLastView(piece) && piece.buffer.byteLength >= STREAM_CHUNK) releaseBuffer(piece);
    }
    await feeding;
  } finally {
    stop.abort();
    stream.destroy();
  }
}
