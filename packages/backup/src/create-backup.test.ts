import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupOne, isRoot, makeSampleVolume, run, snapshotTree, tempDir } from '../test/helpers.ts';
import { createBackup } from './create-backup.ts';
import { listBackups } from './list.ts';
import { manifestSchema } from './manifest.ts';
import { restoreBackup } from './restore.ts';
import type { Compression, Progress } from './types.ts';
import { verifyBackup } from './verify.ts';

async function backupSample(compression: Compression, addToVolume?: (volume: string) => Promise<void>) {
  const volume = await tempDir();
  await makeSampleVolume(volume);
  await addToVolume?.(volume);
  const backupDir = join(await tempDir(), 'backups');
  const manifest = await createBackup({
    backupDir,
    project: 'phoenix-hydra',
    volumes: [{ name: 'db_data', strategy: 'archive', path: volume }],
    compression,
    taken: 'containers-stopped',
  });
  return { volume, backupDir, manifest, dir: join(backupDir, manifest.id) };
}

describe('createBackup', () => {
  it('writes one artifact per volume and a manifest describing it', async () => {
    const { backupDir, manifest, dir } = await backupSample('zstd');
    expect(manifest.id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(await readdir(dir)).toEqual(['db_data.tar.zst', 'manifest.json']);
    const onDisk = manifestSchema.parse(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
    expect(onDisk).toEqual(manifest);
    const [volume] = manifest.volumes;
    expect(volume).toMatchObject({
      name: 'db_data',
      strategy: 'archive',
      artifact: 'db_data.tar.zst',
      compression: 'zstd',
    });
    expect(volume?.entries).toBe(15); // ./ and the 14 entries of the sample volume
    expect(volume?.bytes).toBe(1024 * 1024 + 3 + 24 + 10 + 18); // regular-file content, the hard link once
    expect(volume?.artifactBytes).toBe((await stat(join(dir, 'db_data.tar.zst'))).size);
    expect(volume?.sha256).toBe(run('sha256sum', [join(dir, 'db_data.tar.zst')]).split(' ')[0]);
    expect(volume?.entryListSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest).toMatchObject({
      schemaVersion: 3,
      project: 'phoenix-hydra',
      taken: 'containers-stopped',
    });
    const listed = await listBackups(backupDir);
    expect(listed.map((b) => b.id)).toEqual([manifest.id]);
  });

  it('keeps backups private: directories 0700, files 0600', async () => {
    const { backupDir, dir } = await backupSample('zstd');
    expect((await stat(backupDir)).mode & 0o777).toBe(0o700);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const name of await readdir(dir)) expect((await stat(join(dir, name))).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['zstd', ['--zstd', '-xpf']],
    ['gzip', ['-xzpf']],
  ] as const)('GNU tar extracts the %s archive into an identical tree', async (compression, flags) => {
    const { volume, dir, manifest } = await backupSample(compression);
    const out = await tempDir();
    run('tar', [...flags, join(dir, manifest.volumes[0]?.artifact ?? ''), '-C', out]);
    expect(await snapshotTree(out)).toEqual(await snapshotTree(volume));
  });

  it.each([
    ['zstd', ['--zstd', '-xpf']],
    ['gzip', ['-xzpf']],
  ] as const)(
    'writes a large %s volume as several frames that zstd, gzip and GNU tar read as one stream',
    async (compression, flags) => {
      const { volume, manifest, dir } = await backupSample(compression, (v) =>
        writeFile(join(v, 'random.bin'), randomBytes(10 * 1024 * 1024)),
      );
      const artifact = join(dir, manifest.volumes[0]?.artifact ?? '');
      if (compression === 'zstd') {
        expect(
          Number(/Zstandard Frames: (\d+)/.exec(run('zstd', ['-lv', artifact]))?.[1]),
        ).toBeGreaterThanOrEqual(3);
        expect(() => run('zstd', ['-tq', artifact])).not.toThrow();
      } else {
        expect(() => run('gzip', ['-t', artifact])).not.toThrow();
      }
      const out = await tempDir();
      run('tar', [...flags, artifact, '-C', out]);
      expect(await snapshotTree(out)).toEqual(await snapshotTree(volume));
    },
  );

  it('writes plain tar with compression none (for a deduplicating store): GNU tar reads it, verify and restore accept it', async () => {
    const { volume, backupDir, manifest, dir } = await backupSample('none', (v) =>
      writeFile(join(v, 'random.bin'), randomBytes(5 * 1024 * 1024)),
    );
    expect(manifest.volumes[0]).toMatchObject({ artifact: 'db_data.tar', compression: 'none' });
    const artifact = join(dir, 'db_data.tar');
    expect(run('file', ['-b', artifact])).toMatch(/tar archive/);
    const out = await tempDir();
    run('tar', ['-xpf', artifact, '-C', out]);
    expect(await snapshotTree(out)).toEqual(await snapshotTree(volume));
    expect(await verifyBackup(backupDir, manifest.id)).toMatchObject({ ok: true, problems: [] });
    const target = join(await tempDir(), 'restored');
    await restoreBackup({ backupDir, id: manifest.id, volume: 'db_data', targetPath: target });
    expect(await snapshotTree(target)).toEqual(await snapshotTree(volume));
  });

  it('leaves out fifos and sockets, listing them as skipped', async () => {
    const volume = await tempDir();
    await makeSampleVolume(volume);
    run('mkfifo', [join(volume, 'conf.d/pipe')]);
    const { manifest } = await backupOne(volume);
    expect(manifest.volumes[0]).toMatchObject({ entries: 15, skipped: ['conf.d/pipe'] });
  });

  it('the zstd binary checks the artifact and pipes it into tar', async () => {
    const { volume, dir } = await backupSample('zstd');
    const artifact = join(dir, 'db_data.tar.zst');
    expect(() => run('zstd', ['-tq', artifact])).not.toThrow();
    const out = await tempDir();
    run('sh', ['-c', `zstd -dc "${artifact}" | tar -xpf - -C "${out}"`]);
    expect(await snapshotTree(out)).toEqual(await snapshotTree(volume));
  });

  it.skipIf(!isRoot)(
    'records numeric owners as lstat sees them (999:999 for postgres, 101:101 for nginx)',
    async () => {
      const { dir } = await backupSample('zstd');
      const listing = run('tar', ['--zstd', '--numeric-owner', '-tvf', join(dir, 'db_data.tar.zst')]);
      expect(listing).toMatch(/999\/999 +1048576 .* \.\/base\/1\/1259/);
      expect(listing).toMatch(/101\/101 .* \.\/conf\.d\/site\.conf/);
    },
  );

  it('reports progress with a total from a cheap walk', async () => {
    const volume = await tempDir();
    await makeSampleVolume(volume);
    const reports: Progress[] = [];
    await createBackup({
      backupDir: await tempDir(),
      project: 'p',
      volumes: [{ name: 'v', strategy: 'archive', path: volume }],
      taken: 'offline',
      onProgress: (p) => reports.push(p),
    });
    const last = reports.at(-1);
    expect(last?.bytesDone).toBeGreaterThan(1024 * 1024);
    expect(last?.bytesTotal).toBeGreaterThanOrEqual(last?.bytesDone ?? Number.POSITIVE_INFINITY);
    expect(last?.bytesPerSecond).toBeGreaterThan(0);
  });

  it('refuses to archive a running database volume', async () => {
    const volume = await tempDir();
    const about = {
      kind: 'database',
      containerPath: '/var/lib/postgresql/data',
      mode: 0o700,
      owner: { uid: 999, gid: 999 },
    };
    const backupDir = await tempDir();
    await expect(
      createBackup({
        backupDir,
        project: 'p',
        volumes: [{ name: 'db_data', strategy: 'archive', path: volume, about }],
        taken: 'logical-dump',
      }),
    ).rejects.toMatchObject({ code: 'BACKUP_LIVE_DATABASE' });
    expect(await readdir(backupDir)).toEqual([]);
  });

  it('rejects volume names that are not safe file names', async () => {
    await expect(
      createBackup({
        backupDir: await tempDir(),
        project: 'p',
        volumes: [{ name: '../x', strategy: 'archive', path: '/tmp' }],
        taken: 'offline',
      }),
    ).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('gives ABORTED when cancelled and leaves nothing behind', async () => {
    const volume = await tempDir();
    await makeSampleVolume(volume);
    const backupDir = await tempDir();
    const controller = new AbortController();
    const backup = createBackup({
      backupDir,
      project: 'p',
      volumes: [{ name: 'v', strategy: 'archive', path: volume }],
      taken: 'offline',
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(backup).rejects.toMatchObject({ code: 'ABORTED' });
    expect(await readdir(backupDir)).toEqual([]);
  });

  it('fails, listing nothing, when the volume is removed while it is read (a cleanup running beside it)', async () => {
    const volume = join(await tempDir(), 'logs');
    await mkdir(join(volume, 'a'), { recursive: true });
    await writeFile(join(volume, 'a/big.bin'), randomBytes(3 * 1024 * 1024)); // more than one 2 MiB block
    for (let i = 0; i < 50; i += 1) await writeFile(join(volume, `z${i}.log`), `line ${i}\n`);
    const backupDir = await tempDir();
    let removed = false;
    const backup = createBackup({
      backupDir,
      project: 'p',
      volumes: [{ name: 'logs', strategy: 'archive', path: volume }],
      taken: 'live-files',
      onProgress: () => {
        if (removed) return;
        removed = true;
        rmSync(volume, { recursive: true }); // after the first block: the rest of the tree is gone
      },
    });
    await expect(backup).rejects.toMatchObject({
      code: 'BACKUP_FAILED',
      message: expect.stringMatching(/\/logs(\/a)? was removed or replaced while it was backed up/),
    });
    expect(removed).toBe(true);
    expect(await listBackups(backupDir)).toEqual([]);
    expect(await readdir(backupDir)).toEqual([]);
  });

  it('refuses a volume path that is not a directory', async () => {
    const backupDir = await tempDir();
    await expect(
      createBackup({
        backupDir,
        project: 'p',
        volumes: [{ name: 'v', strategy: 'archive', path: join(backupDir, 'missing') }],
        taken: 'offline',
      }),
    ).rejects.toMatchObject({
      code: 'BACKUP_FAILED',
      message: expect.stringContaining('is not a directory'),
    });
  });
});
