import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeSampleVolume, run, snapshotTree, tempDir } from '../test/helpers.ts';
import { plainTarStream, throughLinkCheck } from './helper-restore.ts';
import type { ManifestVolume } from './manifest.ts';
import type { TarEntry } from './tar-format.ts';
import { writeArchive } from './write-archive.ts';

const entry = (path: string, type = 'File', linkpath = ''): TarEntry => ({
  path,
  type,
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 0,
  mtime: 0,
  linkpath,
});

describe('what a helper restore checks in Node', () => {
  it('refuses a path under a symlink the archive made, and what a local restore refuses', () => {
    const check = throughLinkCheck();
    expect(check(entry('./', 'Directory'))).toBeNull();
    expect(check(entry('./a', 'SymbolicLink', '/etc'))).toBeNull();
    expect(check(entry('./a/passwd'))).toMatch(/\.\/a\/passwd lies under the symlink a/);
    expect(check(entry('./b/../../x'))).toMatch(/path with \.\./);
    expect(check(entry('/etc/x'))).toMatch(/absolute path/);
    expect(check(entry('./ok/file'))).toBeNull();
  });

  it('feeds a helper the plain tar of an archive, which tar extracts to the same tree', async () => {
    const dir = await tempDir();
    const volume = join(dir, 'v');
    await mkdir(volume);
    await makeSampleVolume(volume);
    await symlink('/dev/stdout', join(volume, 'access.log'));
    await writeFile(join(volume, 'big'), Buffer.alloc(5 * 1024 * 1024, 7)); // more than one zstd frame
    const artifact = 'v.tar.zst';
    const stats = await writeArchive({
      root: volume,
      out: join(dir, artifact),
      compression: 'zstd',
      volume: 'v',
    });
    const manifestVolume = {
      name: 'v',
      strategy: 'archive',
      artifact,
      compression: 'zstd',
      ...stats,
    } as ManifestVolume;
    const chunks: Buffer[] = [];
    for await (const chunk of plainTarStream(dir, manifestVolume)) chunks.push(chunk as Buffer);
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(dir, 'plain.tar'), Buffer.concat(chunks));
    run('tar', ['-x', '-p', '-f', join(dir, 'plain.tar'), '-C', out]);
    expect(await snapshotTree(out)).toEqual(await snapshotTree(volume));
  });
});
