import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupOne, run, tempDir } from '../test/helpers.ts';
import { decodeName, encodeName, isWellFormed } from './raw-names.ts';
import { restoreBackup } from './restore.ts';
import { verifyBackup } from './verify.ts';

describe('raw names', () => {
  it.each([
    ['ascii', Buffer.from('plain.txt')],
    ['utf-8', Buffer.from('ünïcødé/ファイル😀')],
    ['a real U+FFFD', Buffer.from('a\uFFFDb')],
    ['latin-1 bytes', Buffer.from([0x61, 0xff, 0x62, 0xe9])],
    ['a truncated sequence', Buffer.from([0x61, 0xe3, 0x81])],
    ['an overlong slash', Buffer.from([0xc0, 0xaf])],
    ['an encoded surrogate', Buffer.from([0xed, 0xb2, 0x80])],
    ['mixed', Buffer.concat([Buffer.from('ü/'), Buffer.from([0xfe]), Buffer.from('😀')])],
  ])('%s round-trip byte for byte', (_name, bytes) => {
    const name = decodeName(bytes);
    expect(encodeName(name).equals(bytes)).toBe(true);
    expect(isWellFormed(name)).toBe(bytes.toString('utf8') === name);
  });

  it('never maps two different byte strings to one name', () => {
    // 0xff alone vs the UTF-8 encoding of ÿ (U+00FF)
    expect(decodeName(Buffer.from([0xff]))).not.toBe(decodeName(Buffer.from('ÿ')));
  });
});

/** Every path below `root` as bytes (relative, sorted), with a symlink's target bytes after ' -> '. */
function byteTree(root: Buffer): string[] {
  const out: string[] = [];
  const visit = (rel: Buffer) => {
    const path = Buffer.concat([root, rel]);
    for (const name of readdirSync(path, { encoding: 'buffer' })) {
      const child = Buffer.concat([rel, Buffer.from('/'), name]);
      const full = Buffer.concat([root, child]);
      const stat = lstatSync(full);
      const link = stat.isSymbolicLink()
        ? ` -> ${readlinkSync(full, { encoding: 'buffer' }).toString('hex')}`
        : '';
      out.push(`${child.toString('hex')}${link}${stat.isFile() ? ` ${readFileSync(full, 'latin1')}` : ''}`);
      if (stat.isDirectory()) visit(child);
    }
  };
  visit(Buffer.alloc(0));
  return out.sort();
}

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('names that are not valid UTF-8', () => {
  it('are backed up, verified and restored byte for byte, and GNU tar and Python tarfile read them the same', async () => {
    const base = await tempDir();
    const volume = join(base, 'volume');
    await mkdir(volume);
    const v = Buffer.from(volume);
    const long = 'd'.repeat(110);
    mkdirSync(bytes(volume, '/dir-', [0xfe]));
    mkdirSync(bytes(volume, `/${long}`));
    writeFileSync(bytes(volume, '/a', [0xff], 'b'), 'latin\n');
    writeFileSync(bytes(volume, '/dir-', [0xfe], '/inner-', [0xe9]), 'inner\n');
    writeFileSync(bytes(volume, `/${long}/long-`, [0xfd], '-name'), 'long\n');
    writeFileSync(bytes(volume, '/ok-ü'), 'utf8\n');
    symlinkSync(bytes('target-', [0xfc]), bytes(volume, '/link-', [0xfb]));
    symlinkSync(bytes('x'.repeat(120), [0xfa]), bytes(volume, '/long-target'));
    const expected = byteTree(v);
    expect(expected).toHaveLength(8);

    const backupDir = join(base, 'backups');
    const { manifest } = await backupOne(volume, { backupDir });
    expect(manifest.volumes[0]).toMatchObject({ entries: 9, skipped: [] });
    expect(await verifyBackup(backupDir, manifest.id)).toMatchObject({ ok: true, problems: [] });
    const target = join(base, 'restored');
    await restoreBackup({ backupDir, id: manifest.id, volume: 'v', targetPath: target });
    expect(byteTree(Buffer.from(target))).toEqual(expected);

    const artifact = join(backupDir, manifest.id, 'v.tar.zst');
    const listing = run('tar', ['--zstd', '-tvf', artifact]);
    expect(listing).toContain('./a\\377b');
    expect(listing).toContain(`./${long}/long-\\375-name`);
    expect(listing).toContain('./link-\\373 -> target-\\374');
    const gnu = join(base, 'gnu');
    await mkdir(gnu);
    run('tar', ['--zstd', '-xf', artifact, '-C', gnu]);
    expect(byteTree(Buffer.from(gnu))).toEqual(expected);
    const python = join(base, 'python');
    // The extraction filter exists from Python 3.11.4 (Debian 12's python3 is 3.11.2): use it where it exists.
    const tarStream = execFileSync('zstd', ['-dc', artifact], { maxBuffer: 1 << 30 });
    execFileSync(
      'python3',
      [
        '-c',
        "import sys, tarfile; t = tarfile.open(fileobj=sys.stdin.buffer, mode='r|'); t.extractall(sys.argv[1], **({'filter': 'tar'} if hasattr(tarfile, 'tar_filter') else {}))",
        python,
      ],
      { input: tarStream },
    );
    expect(byteTree(Buffer.from(python))).toEqual(expected);
  });
});
