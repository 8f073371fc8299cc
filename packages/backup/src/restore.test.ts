import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot, makeSampleVolume, snapshotTree, type TreeEntry, tempDir } from '../test/helpers.ts';
import { createBackup } from './create-backup.ts';
import { listBackups } from './list.ts';
import { restoreBackup } from './restore.ts';
import { verifyAll, verifyBackup } from './verify.ts';

/** Owners only survive a restore as root (or inside podman unshare); elsewhere compare the rest. */
function comparable(tree: TreeEntry[]): TreeEntry[] {
  return isRoot ? tree : tree.map((e) => ({ ...e, uid: 0, gid: 0 }));
}

async function setup() {
  const volume = join(await tempDir(), 'db_data');
  await mkdir(volume);
  await makeSampleVolume(volume);
  const backupDir = await tempDir();
  const manifest = await createBackup({
    backupDir,
    project: 'phoenix-hydra',
    volumes: [{ name: 'db_data', strategy: 'archive', path: volume }],
    taken: 'containers-stopped',
  });
  return { volume, backupDir, id: manifest.id, artifact: join(backupDir, manifest.id, 'db_data.tar.zst') };
}

async function flipByte(file: string, offset: number): Promise<void> {
  const handle = await open(file, 'r+');
  const buffer = Buffer.alloc(1);
  await handle.read(buffer, 0, 1, offset);
  buffer[0] = (buffer[0] ?? 0) ^ 0xff;
  await handle.write(buffer, 0, 1, offset);
  await handle.close();
}

describe('restoreBackup', () => {
  it('round trip keeps types, modes, mtimes, symlinks, hard links and numeric owners', async () => {
    const { volume, backupDir, id } = await setup();
    const original = await snapshotTree(volume);
    const target = join(await tempDir(), 'restored');
    const result = await restoreBackup({ backupDir, id, volume: 'db_data', targetPath: target });
    expect(result).toEqual({ id, volume: 'db_data', targetPath: target, preRestorePath: null });
    expect(comparable(await snapshotTree(target))).toEqual(comparable(original));
  });

  it('swaps the restored copy in and keeps the replaced data beside it', async () => {
    const { volume, backupDir, id } = await setup();
    const original = await snapshotTree(volume);
    await writeFile(join(volume, 'PG_VERSION'), '16\n');
    await rm(join(volume, 'conf.d'), { recursive: true });
    const changed = await snapshotTree(volume);
    const result = await restoreBackup({ backupDir, id, volume: 'db_data', targetPath: volume });
    expect(result.preRestorePath).toMatch(/db_data\.pre-restore-\d{8}T\d{6}Z$/);
    expect(comparable(await snapshotTree(volume))).toEqual(comparable(original));
    expect(await snapshotTree(result.preRestorePath ?? '')).toEqual(changed);
    expect((await readdir(dirname(volume))).sort()).toEqual([
      'db_data',
      `db_data.pre-restore-${result.preRestorePath?.split('-').at(-1)}`,
    ]);
  });

  it('refuses a flipped byte: verify reports it, restore throws BACKUP_CORRUPT and leaves the target alone', async () => {
    const { volume, backupDir, id, artifact } = await setup();
    await flipByte(artifact, Math.floor((await stat(artifact)).size / 2));
    const verified = await verifyBackup(backupDir, id);
    expect(verified.ok).toBe(false);
    expect(verified.problems.join('\n')).toMatch(/sha256 .* does not match/);
    const before = await snapshotTree(volume);
    await expect(
      restoreBackup({ backupDir, id, volume: 'db_data', targetPath: volume }),
    ).rejects.toMatchObject({
      code: 'BACKUP_CORRUPT',
    });
    expect(await snapshotTree(volume)).toEqual(before);
    expect(await readdir(dirname(volume))).toEqual(['db_data']);
  });

  it('refuses an unknown volume with BACKUP_NOT_FOUND', async () => {
    const { backupDir, id } = await setup();
    await expect(
      restoreBackup({ backupDir, id, volume: 'nope', targetPath: '/tmp/x' }),
    ).rejects.toMatchObject({
      code: 'BACKUP_NOT_FOUND',
    });
  });
});

describe('verifyBackup', () => {
  it('passes a sound backup and records the result in verified.json', async () => {
    const { backupDir, id } = await setup();
    const result = await verifyBackup(backupDir, id);
    expect(result).toMatchObject({ id, ok: true, problems: [] });
    const recorded = JSON.parse(await readFile(join(backupDir, id, 'verified.json'), 'utf8'));
    expect(recorded).toMatchObject({ ok: true, problems: [], verifiedAt: result.verifiedAt });
    const [listed] = await listBackups(backupDir);
    expect(listed?.status === 'ok' && listed.verification?.verifiedAt).toBe(result.verifiedAt);
  });

  it('catches a truncated artifact and a manifest whose counts do not match', async () => {
    const { backupDir, id, artifact } = await setup();
    const handle = await open(artifact, 'r+');
    await handle.truncate((await handle.stat()).size - 100);
    await handle.close();
    const manifestPath = join(backupDir, id, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.volumes[0].entries += 1;
    await writeFile(manifestPath, JSON.stringify(manifest));
    const { ok, problems } = await verifyBackup(backupDir, id);
    expect(ok).toBe(false);
    expect(problems.join('\n')).toMatch(/cannot read db_data\.tar\.zst/);
    expect(problems.join('\n')).toMatch(/bytes on disk, manifest says/);
  });

  it('lists a backup with an unreadable manifest as broken, and verifyAll reports it failed', async () => {
    const { backupDir, id } = await setup();
    await writeFile(join(backupDir, id, 'manifest.json'), '{"schemaVersion": 2}');
    const [listed] = await listBackups(backupDir);
    expect(listed).toMatchObject({ id, status: 'broken' });
    const [result] = await verifyAll(backupDir);
    expect(result).toMatchObject({ id, ok: false });
    expect(result?.problems[0]).toMatch(/does not match manifest schema 1/);
  });

  it('refuses an id that is not a backup', async () => {
    await expect(verifyBackup(await tempDir(), '20260101T000000Z-abcdef')).rejects.toMatchObject({
      code: 'BACKUP_NOT_FOUND',
    });
    await expect(verifyBackup(await tempDir(), '../etc')).rejects.toMatchObject({ code: 'BACKUP_NOT_FOUND' });
  });
});
