import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBackup, type Manifest, restoreBackup } from '@phoenix-hydra/backup';
import { describe, expect, it, vi } from 'vitest';
import { flipByteInRepo, newRepo, tempDir } from '../test/helpers.ts';
import type { RepoBackupResult } from './backup-to-repo.ts';
import { fetchFromRepo } from './fetch-from-repo.ts';
import { listRepo } from './list-repo.ts';
import type { RepoAccess } from './restic.ts';
import { backupTreesToRepo, canReadTrees } from './trees.ts';
import { verifyRepo } from './verify-repo.ts';

function xattr(path: string, set?: string): string {
  const code = set
    ? `import os,sys; os.setxattr(sys.argv[1], 'user.phx', sys.argv[2].encode())`
    : `import os,sys; print(os.getxattr(sys.argv[1], 'user.phx').decode(), end='')`;
  return execFileSync('python3', ['-c', code, path, ...(set ? [set] : [])], { encoding: 'utf8' });
}

/** A volume as a database container leaves it: 999:999, 0700 root, a setgid dir, an empty dir, a link, an xattr. */
async function makeVolume(): Promise<string> {
  const volume = join(await tempDir(), 'db');
  await mkdir(join(volume, 'base/empty'), { recursive: true });
  await mkdir(join(volume, 'shared'));
  await writeFile(join(volume, 'base/1234'), 'x'.repeat(100_000));
  // Incompressible: the largest pack (where flipByteInRepo hits) holds data, not the cached trees.
  await writeFile(join(volume, 'base/5678'), randomBytes(2 * 1024 * 1024));
  await writeFile(join(volume, 'PG_VERSION'), '15\n', { mode: 0o600 });
  await symlink('base/1234', join(volume, 'current'));
  xattr(join(volume, 'PG_VERSION'), 'kept');
  for (const path of ['', 'base', 'base/empty', 'base/1234', 'base/5678', 'PG_VERSION', 'shared'])
    await chown(join(volume, path), 999, 999);
  await chmod(join(volume, 'shared'), 0o2770);
  await chmod(volume, 0o700);
  return volume;
}

async function backupTrees(
  access: RepoAccess,
  volume: string,
): Promise<{ manifest: Manifest; result: RepoBackupResult }> {
  let result: RepoBackupResult | undefined;
  const manifest = await createBackup({
    backupDir: await tempDir(),
    project: 'offsite-trees',
    volumes: [{ name: 'db_data', strategy: 'archive', path: volume }],
    taken: 'offline',
    compression: 'none',
    trees: async (dir, staged, trees) => {
      result = await backupTreesToRepo({ access, dir, manifest: staged, trees, host: 'host-b' });
    },
  });
  if (!result) throw new Error('no snapshot');
  return { manifest, result };
}

/** Fetches backup `id` from the repository and restores its db_data into `target`; the fetched copy goes either way. */
async function restoreFromRepo(access: RepoAccess, id: string, target: string): Promise<void> {
  const fetched = await fetchFromRepo(access, id, { workDir: await tempDir() });
  await fetched.withTrees();
  try {
    await restoreBackup({
      backupDir: fetched.backupDir,
      id,
      volume: 'db_data',
      targetPath: target,
      stage: fetched.stage('db_data'),
    });
  } finally {
    await fetched.remove();
  }
}

/** A restore target holding a file that a refused restore must leave as it was. */
async function targetWithOldData(): Promise<string> {
  const target = join(await tempDir(), 'db_data');
  await mkdir(target);
  await writeFile(join(target, 'old'), 'old data');
  return target;
}

// Bind mounts and owners need root (here, or inside podman unshare: the e2e files).
describe.runIf(canReadTrees())('layout 2: volume trees in the snapshot', { timeout: 120_000 }, () => {
  it('restic reads the tree itself; a restore from the repository alone keeps owners, modes, setgid, links, empty dirs and xattrs', async () => {
    const { repo, passwordFile } = await newRepo();
    const access = { repo, passwordFile };
    const volume = await makeVolume();
    const { manifest, result } = await backupTrees(access, volume);
    expect(manifest.volumes).toEqual([]);
    expect(result.bytesProcessed).toBeGreaterThanOrEqual(100_000);
    const [listed] = await listRepo(access, 'offsite-trees');
    expect(listed).toMatchObject({ id: manifest.id, layout: 2, volumes: ['db_data'], host: 'host-b' });
    // The snapshot's tree holds no host directory: trees/db_data at its root.
    const ls = execFileSync(
      'restic',
      ['ls', '--repo', repo, listed?.snapshot ?? '', '/trees/db_data/PG_VERSION'],
      {
        env: { ...process.env, RESTIC_PASSWORD_FILE: passwordFile },
        encoding: 'utf8',
      },
    );
    expect(ls).toContain('/trees/db_data/PG_VERSION');

    const target = join(await tempDir(), 'db_data');
    await restoreFromRepo(access, manifest.id, target);
    const root = await lstat(target);
    expect([root.uid, root.gid, root.mode & 0o7777]).toEqual([999, 999, 0o700]);
    expect((await lstat(join(target, 'shared'))).mode & 0o7777).toBe(0o2770);
    expect((await lstat(join(target, 'base/empty'))).isDirectory()).toBe(true);
    expect(await readlink(join(target, 'current'))).toBe('base/1234');
    expect(await readFile(join(target, 'base/1234'), 'utf8')).toBe('x'.repeat(100_000));
    const version = await lstat(join(target, 'PG_VERSION'));
    expect([version.uid, version.mode & 0o777]).toEqual([999, 0o600]);
    expect(xattr(join(target, 'PG_VERSION'))).toBe('kept');

    const verified = await verifyRepo(access, { workDir: await tempDir() });
    expect(verified.results).toEqual([expect.objectContaining({ id: manifest.id, ok: true, problems: [] })]);
  });

  it('a second backup reads only what changed: the previous snapshot is its parent', async () => {
    const { repo, passwordFile } = await newRepo();
    const access = { repo, passwordFile };
    const volume = await makeVolume();
    const first = await backupTrees(access, volume);
    expect(first.result.filesUnchanged).toBe(0);
    await writeFile(join(volume, 'base/new'), 'y');
    const second = await backupTrees(access, volume);
    // base/1234, base/5678, PG_VERSION unchanged (the staging directory's manifest and descriptor are new).
    expect(second.result.filesUnchanged).toBeGreaterThanOrEqual(3);
  });

  it('a flipped byte fails verify, and the restore refuses with the target untouched', async () => {
    const { repo, passwordFile } = await newRepo();
    const access = { repo, passwordFile };
    const { manifest } = await backupTrees(access, await makeVolume());
    await flipByteInRepo(repo);
    const bad = await verifyRepo(access, { workDir: await tempDir() });
    expect(bad.results).toEqual([expect.objectContaining({ id: manifest.id, ok: false })]);
    const target = await targetWithOldData();
    await expect(restoreFromRepo(access, manifest.id, target)).rejects.toMatchObject({
      code: expect.stringMatching(/RESTIC_FAILED|BACKUP_CORRUPT/),
    });
    expect(await readFile(join(target, 'old'), 'utf8')).toBe('old data');
  });

  it('an unsafe entry in a tree (a setuid file) is refused before anything is written', async () => {
    const { repo, passwordFile } = await newRepo();
    const access = { repo, passwordFile };
    const volume = await makeVolume();
    await writeFile(join(volume, 'base/run-me'), '#!/bin/sh\n');
    await chmod(join(volume, 'base/run-me'), 0o4755);
    const { manifest } = await backupTrees(access, volume);
    const target = await targetWithOldData();
    await expect(restoreFromRepo(access, manifest.id, target)).rejects.toMatchObject({
      code: 'BACKUP_UNSAFE_ENTRY',
      message: expect.stringContaining('base/run-me'),
    });
    expect(await readFile(join(target, 'old'), 'utf8')).toBe('old data');
    const verified = await verifyRepo(access, { workDir: await tempDir() });
    expect(verified.results[0]?.ok).toBe(false);
  });

  it('without unshare on PATH, names what to install instead of blaming restic', async () => {
    const { repo, passwordFile } = await newRepo();
    const bin = await tempDir();
    const found = execFileSync('sh', ['-c', 'command -v restic'], { encoding: 'utf8' }).trim();
    await symlink(found, join(bin, 'restic'));
    const volume = await makeVolume();
    vi.stubEnv('PATH', bin);
    try {
      await expect(backupTrees({ repo, passwordFile }, volume)).rejects.toMatchObject({
        code: 'RESTIC_MISSING',
        message: expect.stringContaining('unshare is not installed'),
        hint: expect.stringContaining('util-linux'),
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("leaves out an archive volume's leaveOut names (a remote deploy's kept copies), as archives do", async () => {
    const { repo, passwordFile } = await newRepo();
    const volume = join(await tempDir(), 'nginx_config');
    await mkdir(join(volume, '.phoenix-previous-20261128T1200Z'), { recursive: true });
    await writeFile(join(volume, '.phoenix-previous-20261128T1200Z/old.conf'), 'old');
    await writeFile(join(volume, 'default.conf'), 'live');
    let snapshot = '';
    await createBackup({
      backupDir: await tempDir(),
      project: 'offsite-trees',
      volumes: [
        { name: 'nginx_config', strategy: 'archive', path: volume, leaveOut: ['.phoenix-previous-'] },
      ],
      taken: 'offline',
      compression: 'none',
      trees: async (dir, staged, trees) => {
        const access = { repo, passwordFile };
        snapshot = (await backupTreesToRepo({ access, dir, manifest: staged, trees })).snapshot;
      },
    });
    const ls = execFileSync('restic', ['ls', '--repo', repo, snapshot], {
      env: { ...process.env, RESTIC_PASSWORD_FILE: passwordFile },
      encoding: 'utf8',
    });
    expect(ls).toContain('/trees/nginx_config/default.conf');
    expect(ls).not.toContain('.phoenix-previous-');
  });
});
