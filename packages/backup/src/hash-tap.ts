import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** A pass-through that hashes (sha256) and counts what flows by, so artifacts are checked in one pass. */
export interface HashTap {
  stream: Transform;
  /** The same as writing `chunk` through `stream`, without a stream. */
  update(chunk: Buffer): void;
  digest(): { sha256: string; bytes: number };
}

export function hashTap(onChunk?: (bytes: number) => void): HashTap {
  const hash = createHash('sha256');
  let bytes = 0;
  const update = (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    onChunk?.(chunk.length);
  };
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      update(chunk);
      callback(null, chunk);
    },
  });
  return { stream, update, digest: () => ({ sha256: hash.digest('hex'), bytes }) };
}
