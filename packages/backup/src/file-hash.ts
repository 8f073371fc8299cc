import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hashTap } from './hash-tap.ts';

/** sha256 and size of a file, streamed; `onChunk` sees the size of every piece read. */
export async function hashFile(
  path: string,
  signal?: AbortSignal,
  onChunk?: (bytes: number) => void,
): Promise<{ sha256: string; bytes: number }> {
  const tap = hashTap(onChunk);
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const source = createReadStream(path, { highWaterMark: 1024 * 1024 });
  await pipeline(source, tap.stream, sink, signal ? { signal } : {});
  return tap.digest();
}

/** The first `length` bytes of a file (fewer if it is shorter). */
export async function readHead(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** pg_dump's custom format starts with these bytes; plain SQL dumps do not. */
export const PGDUMP_MAGIC = Buffer.from('PGDMP');
