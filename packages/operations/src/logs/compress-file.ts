import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createZstdCompress } from 'node:zlib';

/** zstd level 3, one thread: the level the backups use (multi-threaded zstd crashed Node 24 here). */
const ZSTD_LEVEL = 3;
const CHUNK = 1024 * 1024;

/** Reads from `position` until a read returns nothing: the end as it is when reached, for a growing log too. */
async function* readToEnd(from: FileHandle, position: number): AsyncGenerator<Buffer> {
  for (let at = position; ; ) {
    const buffer = Buffer.allocUnsafe(CHUNK);
    const { bytesRead } = await from.read(buffer, 0, CHUNK, at);
    if (bytesRead === 0) return;
    at += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/**
 * Copies `from` (from `start` to its end at the time of reading) to `to` at its current end,
 * zstd-compressed as one frame when `compress` (frames concatenate: zstd -d reads them as one file).
 * Returns the source bytes copied. Plain reads and writes on the handles (no FileHandle streams, whose
 * references would keep `close()` waiting), so the caller closes both.
 */
export async function copyToEnd(
  from: FileHandle,
  to: FileHandle,
  options: { start: number; compress: boolean },
): Promise<number> {
  let copied = 0;
  const source = async function* () {
    for await (const chunk of readToEnd(from, options.start)) {
      copied += chunk.length;
      yield chunk;
    }
  };
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      to.write(chunk).then(() => callback(), callback);
    },
  });
  if (options.compress) {
    const zstd = createZstdCompress({ params: { [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } });
    await pipeline(source, zstd, sink);
  } else {
    await pipeline(source, sink);
  }
  return copied;
}
