import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, run, snapshotTree, tempDir } from '../test/helpers.ts';
import { createBackup } from './create-backup.ts';
import { restoreBackup } from './restore.ts';

/** A 2 MiB tmpfs: real ENOSPC from the kernel, not a mock. Needs root (or CAP_SYS_ADMIN). */
describe.skipIf(!isRoot)('a full disk', () => {
  let small = '';
  let mounted = false;
  beforeAll(async () => {
    small = await mkdtemp(join(tmpdir(), 'phoenix-enospc-'));
    try {
      run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small]);
      mounted = true;
    } catch {
      // no permission to mount here: the tests below skip themselves
    }
  });
  afterAll(async () => {
    if (mounted) run('umount', [small]);
    await rm(small, { recursive: true, force: true });
  });

  it('makes createBackup fail with NO_SPACE and leaves no partial backup', async (context) => {
    if (!mounted) context.skip();
    const volume = await tempDir();
    await writeFile(join(volume, 'incompressible'), randomBytes(4 * 1024 * 1024));
    const backupDir = join(small, 'backups');
    const error = await createBackup({
      backupDir,
      project: 'p',
      volumes: [{ name: 'v', strategy: 'archive', path: volume }],
      taken: 'offline',
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'NO_SPACE', hint: expect.stringContaining('--to DIR') });
    expect(await readdir(backupDir)).toEqual([]);
  });

  it('makes a restore fail with NO_SPACE, leaving the target as it was and no staging copy', async (context) => {
    if (!mounted) context.skip();
    const volume = await tempDir();
    await writeFile(join(volume, 'incompressible'), randomBytes(3 * 1024 * 1024));
    const backupDir = await tempDir();
    const { id } = await createBackup({
      backupDir,
      project: 'p',
      volumes: [{ name: 'v', strategy: 'archive', path: volume }],
      taken: 'offline',
    });
    const target = join(small, 'v');
    await mkdir(target, { recursive: true });
    await writeFile(join(target, 'live'), 'live data\n');
    const before = await snapshotTree(target);
    await expect(restoreBackup({ backupDir, id, volume: 'v', targetPath: target })).rejects.toMatchObject({
      code: 'NO_SPACE',
    });
    expect(await snapshotTree(target)).toEqual(before);
    expect((await readdir(small)).filter((n) => n.startsWith('v'))).toEqual(['v']);
  });
});
