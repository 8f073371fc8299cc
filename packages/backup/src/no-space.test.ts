import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupOne, isRoot, smallFileSystem, snapshotTree, tempDir } from '../test/helpers.ts';
import { createBackup } from './create-backup.ts';
import { restoreBackup } from './restore.ts';

/** A 2 MiB tmpfs (smallFileSystem): real ENOSPC from the kernel. */
describe.skipIf(!isRoot)('a full disk', () => {
  const tmpfs = smallFileSystem('2m', 'phoenix-enospc-');

  it('makes createBackup fail with NO_SPACE and leaves no partial backup', async (context) => {
    const small = tmpfs.pathOrSkip(context);
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
    const small = tmpfs.pathOrSkip(context);
    const volume = await tempDir();
    await writeFile(join(volume, 'incompressible'), randomBytes(3 * 1024 * 1024));
    const { backupDir, id } = await backupOne(volume);
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
