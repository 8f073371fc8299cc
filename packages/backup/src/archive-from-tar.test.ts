import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeSampleVolume, run, snapshotTree, tempDir } from '../test/helpers.ts';
import { archiveFromTar } from './archive-from-tar.ts';
import { feedArchive } from './read-archive.ts';
import { BLOCK, encodeHeader, type TarEntry } from './tar-format.ts';
import { writeArchive } from './write-archive.ts';

/** What a helper container sends: GNU tar of the volume root, numeric owners, read in small pieces. */
async function* gnuTar(root: string): AsyncGenerator<Buffer> {
  const bytes = execFileSync('tar', ['-c', '--numeric-owner', '-f', '-', '-C', root, '.'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  for (let at = 0; at < bytes.length; at += 777) yield bytes.subarray(at, at + 777);
}

async function entriesOf(artifact: string, compression: 'zstd' | 'none') {
  const entries: TarEntry[] = [];
  await feedArchive(artifact, compression, {
    entry: (e) => void entries.push({ ...e }),
    data() {},
    entryEnd() {},
  });
  // Which of two hard-linked names is the file and which the link depends on the walk order.
  return entries
    .map(({ path, mode, uid, gid, mtime, type, size, linkpath }) =>
      type === 'Link' || (type === 'File' && path.includes('PG_VERSION'))
        ? { path, mode, uid, gid, mtime, type: 'File|Link' }
        : { path, mode, uid, gid, mtime, type, size, linkpath },
    )
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

function hostile(path: string, type: 'File' | 'Link' = 'File', linkpath?: string): AsyncGenerator<Buffer> {
  const block = Buffer.alloc(8 * BLOCK);
  let at = encodeHeader(block, 0, {
    path: './',
    type: 'Directory',
    mode: 0o755,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 1,
  });
  at += encodeHeader(block, at, { path, type, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1, linkpath });
  return (async function* () {
    yield block.subarray(0, at + 2 * BLOCK);
  })();
}

describe('archiveFromTar', () => {
  it('turns a tar stream of a volume into the archive a local backup of it is: same entries, restorable by tar', async () => {
    const dir = await tempDir();
    const volume = join(dir, 'volume');
    await mkdir(volume);
    await makeSampleVolume(volume);
    for (const compression of ['zstd', 'none'] as const) {
      const local = join(dir, `local.${compression}`);
      const remote = join(dir, `remote.${compression}`);
      const mine = await writeArchive({ root: volume, out: local, compression, volume: 'v' });
      const theirs = await archiveFromTar({ input: gnuTar(volume), out: remote, compression, volume: 'v' });
      expect(theirs).toMatchObject({ entries: mine.entries, bytes: mine.bytes, skipped: [] });
      expect(await entriesOf(remote, compression)).toEqual(await entriesOf(local, compression));
      expect(theirs.artifactBytes).toBe((await readFile(remote)).length);
    }
    const restored = join(dir, 'restored');
    await mkdir(restored);
    run('tar', ['-x', '-p', '-f', join(dir, 'remote.none'), '-C', restored]);
    expect(await snapshotTree(restored)).toEqual(await snapshotTree(volume));
  });

  it.each([
    ['../escape', 'File', undefined, /path with \.\. \.\.\/escape/],
    ['/etc/cron.d/evil', 'File', undefined, /absolute path \/etc\/cron\.d\/evil/],
    ['./a/../../escape', 'File', undefined, /path with \.\./],
    ['./hard', 'Link', '../../etc/shadow', /hard link .* points outside the volume/],
  ] as const)(
    'refuses a stream with %s (%s): BACKUP_FAILED, no archive left half written',
    async (path, type, link, message) => {
      const dir = await tempDir();
      const out = join(dir, 'a.tar.zst');
      const result = archiveFromTar({
        input: hostile(path, type, link),
        out,
        compression: 'zstd',
        volume: 'v',
      });
      await expect(result).rejects.toMatchObject({ code: 'BACKUP_FAILED', message });
    },
  );

  it('refuses a stream cut short (the helper died): no archive that looks complete', async () => {
    const dir = await tempDir();
    const volume = join(dir, 'volume');
    await mkdir(volume);
    await makeSampleVolume(volume);
    const bytes = execFileSync('tar', ['-c', '--numeric-owner', '-f', '-', '-C', volume, '.'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const cut = (async function* () {
      yield bytes.subarray(0, 3000);
    })();
    await expect(
      archiveFromTar({ input: cut, out: join(dir, 'a.tar.zst'), compression: 'zstd', volume: 'v' }),
    ).rejects.toMatchObject({ code: 'BACKUP_FAILED' });
  });
});

describe('leaving out the copies a deploy keeps in the volume', () => {
  it('both writers leave out top-level names with a given prefix and everything under them, nothing deeper', async () => {
    const root = await tempDir();
    await mkdir(join(root, '.phoenix-previous-20260101T000000000Z', 'sub'), { recursive: true });
    await writeFile(join(root, '.phoenix-previous-20260101T000000000Z', 'sub', 'old.conf'), 'old');
    await mkdir(join(root, '.phoenix-failed-20260102T000000000Z'));
    await writeFile(join(root, 'default.conf'), 'live');
    await mkdir(join(root, 'sites'));
    await writeFile(join(root, 'sites', '.phoenix-previous-kept.conf'), 'a file of the user, deeper');
    const leaveOut = ['.phoenix-previous-', '.phoenix-failed-'];
    const out = await tempDir();
    const local = await writeArchive({
      root,
      out: join(out, 'local.tar'),
      compression: 'none',
      volume: 'nginx_config',
      leaveOut,
    });
    const remote = await archiveFromTar({
      input: gnuTar(root),
      out: join(out, 'remote.tar'),
      compression: 'none',
      volume: 'nginx_config',
      leaveOut,
    });
    const names = (file: string) =>
      run('tar', ['-tf', join(out, file)])
        .trim()
        .split('\n')
        .sort();
    expect(names('local.tar')).toEqual([
      './',
      './default.conf',
      './sites/',
      './sites/.phoenix-previous-kept.conf',
    ]);
    expect(names('remote.tar')).toEqual(names('local.tar'));
    expect(remote).toMatchObject({ entries: local.entries, bytes: local.bytes, skipped: [] });
  });
});
