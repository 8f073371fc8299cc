import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Header } from 'tar';
import { describe, expect, it } from 'vitest';
import { run, tempDir } from '../test/helpers.ts';
import { BLOCK, decodeHeader, encodeHeader, type TarEntry } from './tar-format.ts';
import { TarParser } from './tar-parser.ts';

type Fields = Parameters<typeof encodeHeader>[2];

const base: Omit<Fields, 'path'> = {
  type: 'File',
  mode: 0o640,
  uid: 999,
  gid: 999,
  size: 5,
  mtime: 1_700_000_000,
};

/** Headers plus 5-byte bodies for files, then the end-of-archive blocks. */
function archive(entries: Fields[]): Buffer {
  const block = Buffer.alloc(entries.length * 8 * BLOCK + 2 * BLOCK);
  let at = 0;
  for (const fields of entries) {
    at += encodeHeader(block, at, fields);
    if (fields.type === 'File' && fields.size > 0) {
      block.write('hello', at);
      at += BLOCK;
    }
  }
  return block.subarray(0, at + 2 * BLOCK);
}

/** Parses an archive fed in pieces of `step` bytes. */
function parse(data: Buffer, step = data.length): TarEntry[] {
  const entries: TarEntry[] = [];
  const parser = new TarParser({ entry: (e) => entries.push(e), data: () => {}, entryEnd: () => {} });
  for (let at = 0; at < data.length; at += step) parser.write(data.subarray(at, at + step));
  parser.end();
  return entries;
}

const longPath = `./${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(90)}/file`;

describe('tar headers', () => {
  it('round-trip through our reader, in pieces of any size, including what ustar cannot hold', () => {
    const entries: Fields[] = [
      { ...base, path: './', type: 'Directory', mode: 0o2775, size: 0 },
      { ...base, path: './short.txt' },
      { ...base, path: `./${'p'.repeat(120)}/name.txt` }, // ustar prefix
      { ...base, path: longPath }, // pax path
      { ...base, path: './link', type: 'SymbolicLink', size: 0, linkpath: 'x'.repeat(150) }, // pax linkpath
      { ...base, path: './big-ids', uid: 3_000_000, gid: 4_000_000 }, // pax uid/gid
      { ...base, path: './hard', type: 'Link', size: 0, linkpath: './short.txt' },
      { ...base, path: './ünïcødé/ファイル.txt' },
    ];
    for (const step of [1, 7, 512, 100_000]) {
      expect(parse(archive(entries), step)).toEqual(
        entries.map((fields) => ({
          path: fields.path,
          type: fields.type,
          mode: fields.mode,
          uid: fields.uid,
          gid: fields.gid,
          size: fields.type === 'File' ? fields.size : 0,
          mtime: fields.mtime,
          linkpath: fields.linkpath ?? '',
        })),
      );
    }
  });

  it('are read by GNU tar with the same names, owners, modes and link targets', async () => {
    const file = join(await tempDir(), 'a.tar');
    await writeFile(
      file,
      archive([
        { ...base, path: './', type: 'Directory', mode: 0o755, size: 0 },
        { ...base, path: longPath },
        { ...base, path: './link', type: 'SymbolicLink', size: 0, linkpath: 'y'.repeat(150) },
        { ...base, path: './big-ids', uid: 3_000_000, gid: 4_000_000 },
      ]),
    );
    const listing = run('tar', ['--numeric-owner', '-tvf', file]);
    expect(listing.split('\n').find((line) => line.endsWith(longPath))).toMatch(/^-rw-r----- 999\/999 +5 /);
    expect(listing).toContain(`./link -> ${'y'.repeat(150)}`);
    expect(listing).toMatch(/3000000\/4000000 +5 .* \.\/big-ids/);
  });

  it('round-trip mtimes before 1970, and GNU tar reads them', async () => {
    const entries: Fields[] = [
      { ...base, path: './minus-one', mtime: -1 },
      { ...base, path: './1960', mtime: -302_443_200 },
    ];
    expect(parse(archive(entries)).map((e) => e.mtime)).toEqual([-1, -302_443_200]);
    const file = join(await tempDir(), 'a.tar');
    await writeFile(file, archive(entries));
    const listing = run('tar', ['--full-time', '--utc', '-tvf', file]);
    expect(listing).toMatch(/1969-12-31 23:59:59 \.\/minus-one/);
    expect(listing).toMatch(/1960-06-01 12:00:00 \.\/1960/);
  });

  it.each(['gnu', 'posix'])(
    'reads the mtimes before 1970 GNU tar writes in %s format (base-256, pax mtime=-1 and -N.5)',
    async (format) => {
      const dir = await tempDir();
      await mkdir(join(dir, 't'));
      run('touch', ['-d', '1969-12-31 23:59:59 UTC', join(dir, 't/old')]);
      run('touch', ['-d', '1960-06-01 12:00:00.5 UTC', join(dir, 't/older')]);
      const file = join(dir, 'a.tar');
      run('tar', [`--format=${format}`, '-C', join(dir, 't'), '-cf', file, './old', './older']);
      const mtimes = parse(await readFile(file)).map((e) => e.mtime);
      // GNU format keeps whole seconds (rounded down), pax the fraction too.
      expect(mtimes).toEqual(format === 'gnu' ? [-1, -302_443_200] : [-1, -302_443_199.5]);
    },
  );

  it('rejects a header whose checksum does not match', () => {
    const data = archive([{ ...base, path: './a' }]);
    data[10] = 0x41;
    expect(() => parse(data)).toThrow(/checksum/);
  });

  it('reads GNU base-256 numbers and node-tar headers', () => {
    const header = new Header({
      path: './x',
      mode: 0o600,
      uid: 1,
      gid: 2,
      size: 0,
      mtime: new Date(1e12),
      type: 'File',
    });
    header.encode();
    const block = header.block as Buffer;
    // size 9 GiB in base-256, as GNU tar writes sizes of 8 GiB and more
    block.fill(0, 124, 136);
    block[124] = 0x80;
    block.writeUIntBE(9 * 1024 ** 3, 130, 6);
    block.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of block) sum += byte;
    block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
    expect(decodeHeader(block, 0)).toMatchObject({
      path: './x',
      uid: 1,
      gid: 2,
      size: 9 * 1024 ** 3,
      mtime: 1e9,
    });
  });

  it('says when an archive is truncated', () => {
    const data = archive([{ ...base, path: './a' }]);
    expect(() => parse(data.subarray(0, BLOCK + 3))).toThrow(/unexpected end of archive/);
  });
});
