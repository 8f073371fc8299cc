import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/helpers.ts';
import { SparseWriter } from './sparse-write.ts';

/** 300 KiB: data, a short zero run (written), long zero runs (holes), data at the very end or not. */
function content(endsInZeros: boolean): Buffer {
  const bytes = Buffer.alloc(300 * 1024);
  bytes.write('start', 0);
  bytes.fill(7, 8192 + 100, 8192 + 200);
  bytes.fill(9, 20 * 1024, 24 * 1024 + 1);
  bytes.write('middle', 100 * 1024 + 3);
  if (!endsInZeros) bytes.write('end', 300 * 1024 - 3);
  return bytes;
}

describe('SparseWriter', () => {
  it.each([
    [1, false],
    [4096, false],
    [5000, true],
    [65536, false],
    [65536, true],
    [300 * 1024, true],
  ])(
    'writes the same bytes as a plain write, in pieces of %i bytes (ends in zeros: %s)',
    async (step, endsInZeros) => {
      const bytes = content(endsInZeros);
      const file = join(await tempDir(), 'f');
      const fd = openSync(file, 'wx');
      const writer = new SparseWriter(fd);
      for (let at = 0; at < bytes.length; at += step) writer.write(bytes.subarray(at, at + step));
      writer.finish();
      closeSync(fd);
      expect(readFileSync(file).equals(bytes)).toBe(true);
      // Data blocks: 0-8K, 20-28K (the 4 KiB zero run before 20K is too short to be a hole), 100-104K, the end.
      expect(statSync(file).blocks * 512).toBeLessThanOrEqual(64 * 1024);
    },
  );
});
