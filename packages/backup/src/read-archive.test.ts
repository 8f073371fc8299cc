import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, zstdCompressSync } from 'node:zlib';
import { c as createTar } from 'tar';
import { describe, expect, it } from 'vitest';
import {
  backupOne,
  isRoot,
  makeSampleVolume,
  run,
  snapshotTree,
  type TreeEntry,
  tempDir,
} from '../test/helpers.ts';
import { extractArchive } from './extract.ts';
import { scanArchive } from './read-archive.ts';
import { verifyBackup } from './verify.ts';

/** Owners only survive extraction as root; elsewhere compare the rest. */
function comparable(tree: TreeEntry[]): TreeEntry[] {
  return isRoot ? tree : tree.map((e) => ({ ...e, uid: 0, gid: 0 }));
}

async function sampleWith(extra: (root: string) => Promise<void> = async () => {}) {
  const root = await tempDir();
  await makeSampleVolume(root);
  await extra(root);
  return { root, tree: comparable(await snapshotTree(root)) };
}

async function extracted(artifact: string, compression: 'zstd' | 'gzip' = 'zstd') {
  const staging = await tempDir();
  await extractArchive({ artifact, compression, staging, preserveOwner: isRoot });
  return comparable(await snapshotTree(staging));
}

/** Frames of a tar stream cut at `cuts` (byte offsets), each compressed alone, one after another. */
function framesAt(tarBytes: Buffer, cuts: number[]): Buffer {
  const edges = [0, ...cuts, tarBytes.length];
  const frames = edges.slice(1).map((end, i) =>
    zstdCompressSync(tarBytes.subarray(edges[i], end), {
      params: { [constants.ZSTD_c_checksumFlag]: 1 },
    }),
  );
  // A skippable frame (metadata any zstd reader ignores) in the middle.
  const skippable = Buffer.alloc(8 + 5);
  skippable.writeUInt32LE(0x184d2a5e, 0);
  skippable.writeUInt32LE(5, 4);
  return Buffer.concat([...frames.slice(0, 2), skippable, ...frames.slice(2)]);
}

describe('reading archives', () => {
  it('reads what GNU tar and the zstd command write: one frame, long GNU and pax names', async () => {
    const long = `${'n'.repeat(120)}/${'m'.repeat(120)}`;
    const { root, tree } = await sampleWith(async (dir) => {
      await mkdir(join(dir, long.split('/')[0] as string));
      await writeFile(join(dir, long), 'deep\n');
    });
    const dir = await tempDir();
    for (const format of ['gnu', 'pax']) {
      const artifact = join(dir, `${format}.tar.zst`);
      run('sh', ['-c', `tar --format=${format} -C "${root}" -cf - . | zstd -q -3 -o "${artifact}"`]);
      expect(await extracted(artifact)).toEqual(tree);
    }
  });

  it('restores files and directories from before 1970 with their mtimes (GNU tar pax and our own writer)', async () => {
    const { root } = await sampleWith(async (dir) => {
      await mkdir(join(dir, 'old-dir'));
      await writeFile(join(dir, 'old-dir/1960'), 'old\n');
      await symlink('1960', join(dir, 'old-dir/link'));
      run('touch', ['-d', '1960-06-01 12:00:00 UTC', join(dir, 'old-dir/1960')]);
      run('touch', ['-h', '-d', '1969-12-31 23:59:59 UTC', join(dir, 'old-dir/link')]);
      run('touch', ['-d', '1969-12-31 23:59:59 UTC', join(dir, 'old-dir')]);
    });
    const tree = comparable(await snapshotTree(root));
    expect(tree.find((e) => e.path === 'old-dir/1960')?.mtime).toBe(-302_443_200);
    const gnu = join(await tempDir(), 'gnu.tar.zst');
    run('sh', ['-c', `tar --format=posix -C "${root}" -cf - . | zstd -q -3 -o "${gnu}"`]);
    expect(await extracted(gnu)).toEqual(tree);
    const { backupDir, id } = await backupOne(root);
    expect(await verifyBackup(backupDir, id)).toMatchObject({ ok: true });
    expect(await extracted(join(backupDir, id, 'v.tar.zst'))).toEqual(tree);
  });

  it('reads archives the previous version wrote with node-tar', async () => {
    const { root, tree } = await sampleWith();
    const tarBytes = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      createTar({ cwd: root, portable: false }, ['.'])
        .on('data', (chunk: Buffer) => chunks.push(chunk))
        .on('end', () => resolve(Buffer.concat(chunks)))
        .on('error', reject);
    });
    const artifact = join(await tempDir(), 'old.tar.zst');
    await writeFile(artifact, zstdCompressSync(tarBytes, { params: { [constants.ZSTD_c_checksumFlag]: 1 } }));
    expect(await extracted(artifact)).toEqual(tree);
  });

  it('reads every frame of a multi-frame stream, wherever the frames end', async () => {
    // Node's own zstd stream stops at a frame end that falls inside an input chunk: a reader fed
    // this file in 1 MiB pieces would silently lose everything after the first frame.
    const { root, tree } = await sampleWith(async (dir) => {
      await writeFile(join(dir, 'random.bin'), randomBytes(3 * 1024 * 1024 + 17));
    });
    const tarBytes = execFileSync('tar', ['-C', root, '-cf', '-', '.'], { maxBuffer: 64 * 1024 * 1024 });
    const artifact = join(await tempDir(), 'frames.tar.zst');
    await writeFile(
      artifact,
      framesAt(tarBytes, [1000, 1024 * 1024 + 7, 2 * 1024 * 1024 + 999, 4 * 1024 * 1024 - 3]),
    );
    expect(run('zstd', ['-lv', artifact])).toMatch(/Zstandard Frames: 5/);
    expect(await extracted(artifact)).toEqual(tree);
    const scan = await scanArchive(artifact, 'zstd');
    expect(scan.entries).toBe(tree.length);
  });

  it('streams a frame too large to hold in memory whole', async () => {
    const { root, tree } = await sampleWith(async (dir) => {
      await writeFile(join(dir, 'zeros'), Buffer.alloc(20 * 1024 * 1024));
    });
    const artifact = join(await tempDir(), 'one-frame.tar.zst');
    const tarFile = join(await tempDir(), 'a.tar');
    run('tar', ['-C', root, '-cf', tarFile, '.']);
    run('zstd', ['-q', '-3', tarFile, '-o', artifact]); // a file input: the frame states its 20+ MiB size
    expect((await readFile(artifact)).length).toBeLessThan(2 * 1024 * 1024); // small enough to gather whole
    expect(await extracted(artifact)).toEqual(tree);
  });

  it('rejects bytes after the last frame that are not a frame', async () => {
    const { root } = await sampleWith();
    const artifact = join(await tempDir(), 'junk.tar.zst');
    run('sh', [
      '-c',
      `tar -C "${root}" -cf - . | zstd -q -o "${artifact}" && printf 'junk' >> "${artifact}"`,
    ]);
    await expect(extracted(artifact)).rejects.toThrow(/not a valid zstd stream: bad frame magic/);
  });
});
