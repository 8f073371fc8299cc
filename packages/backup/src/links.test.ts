import { mkdir, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HeaderData } from 'tar';
import { describe, expect, it } from 'vitest';
import { backupOne, rawTarZst, snapshotTree, tempDir } from '../test/helpers.ts';
import { extractArchive } from './extract.ts';
import { restoreBackup } from './restore.ts';
import { verifyBackup } from './verify.ts';

type Entry = HeaderData & { body?: string };

describe('symlinks are data: stored verbatim, restored as links, never written through', () => {
  it('backs up, verifies and restores absolute and escaping links (nginx ships access.log -> /dev/stdout)', async () => {
    const volume = join(await tempDir(), 'logs');
    await mkdir(join(volume, 'nginx'), { recursive: true });
    await symlink('/dev/stdout', join(volume, 'nginx/access.log'));
    await symlink('/dev/stderr', join(volume, 'nginx/error.log'));
    await symlink('../../etc/passwd', join(volume, 'nginx/up'));
    await symlink('.', join(volume, 'self'));
    await writeFile(join(volume, 'nginx/real.log'), 'GET /\n');
    const { backupDir, id } = await backupOne(volume, { name: 'logs' });
    expect(await verifyBackup(backupDir, id)).toMatchObject({ ok: true, problems: [] });
    const target = join(await tempDir(), 'restored');
    await restoreBackup({ backupDir, id, volume: 'logs', targetPath: target });
    expect(await readlink(join(target, 'nginx/access.log'))).toBe('/dev/stdout');
    expect(await readlink(join(target, 'nginx/up'))).toBe('../../etc/passwd');
    expect(await snapshotTree(target)).toEqual(await snapshotTree(volume));
  });
});

/** A temp area whose `outside/` must never change, and a staging directory inside it. */
async function arena() {
  const base = await tempDir();
  await mkdir(join(base, 'outside'));
  await writeFile(join(base, 'outside/keep'), 'untouched\n');
  await writeFile(join(base, 'x'), 'outside file\n');
  const staging = join(base, 'staging');
  await mkdir(staging);
  return { base, staging };
}

const root: Entry = { path: './', type: 'Directory', mode: 0o755, size: 0 };
const chain: Entry[] = [
  root,
  { path: './a', type: 'SymbolicLink', linkpath: '.', size: 0 },
  { path: './b', type: 'SymbolicLink', linkpath: 'a/..', size: 0 }, // resolves to the staging's parent
];

describe('a crafted archive with link chains that resolve outside the volume', () => {
  it.each([
    ['a file below the chain', [{ path: './b/x', body: 'escaped\n' }], /below b, which is a symlink/],
    [
      'a file two links deep',
      [{ path: './b/outside/keep', body: 'escaped\n' }],
      /below b, which is a symlink/,
    ],
    [
      'a directory below the chain',
      [{ path: './b/dir', type: 'Directory', size: 0 }],
      /below b, which is a symlink/,
    ],
    [
      'a hard link through the chain',
      [{ path: './h', type: 'Link', linkpath: './b/x', size: 0 }],
      /hard link/,
    ],
    [
      'a symlink below the chain',
      [{ path: './b/s', type: 'SymbolicLink', linkpath: '/', size: 0 }],
      /below b/,
    ],
  ] as [string, Entry[], RegExp][])(
    'refuses %s, writing nothing outside staging',
    async (_name, entries, message) => {
      const { base, staging } = await arena();
      const artifact = join(base, 'evil.tar.zst');
      await writeFile(artifact, rawTarZst([...chain, ...entries, { path: './after', body: 'after\n' }]));
      const outsideStaging = async () =>
        (await snapshotTree(base)).filter(
          (e) => e.path !== '.' && e.path !== 'staging' && !e.path.startsWith('staging/'),
        );
      const before = await outsideStaging();
      await expect(
        extractArchive({ artifact, compression: 'zstd', staging, preserveOwner: false }),
      ).rejects.toMatchObject({
        code: 'BACKUP_UNSAFE_ENTRY',
        message: expect.stringMatching(message),
      });
      expect(await outsideStaging()).toEqual(before);
      expect(await readdir(staging)).not.toContain('after');
    },
  );

  it('restores the chain itself as links (data), following none of them', async () => {
    const { base, staging } = await arena();
    const artifact = join(base, 'links.tar.zst');
    await writeFile(artifact, rawTarZst([...chain, { path: './file', body: 'inside\n' }]));
    await extractArchive({ artifact, compression: 'zstd', staging, preserveOwner: false });
    expect((await readdir(staging)).sort()).toEqual(['a', 'b', 'file']);
    expect(await readlink(join(staging, 'b'))).toBe('a/..');
  });
});
