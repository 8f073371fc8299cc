import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBackup, restoreBackup } from '@phoenix-hydra/backup';
import { describe, expect, it } from 'vitest';
import { flipByteInRepo, newRepo, tempDir } from '../test/helpers.ts';
import { backupToRepo } from './backup-to-repo.ts';
import { fetchFromRepo } from './fetch-from-repo.ts';
import { listRepo } from './list-repo.ts';
import { pruneRepo } from './prune-repo.ts';
import { resticVersion } from './restic.ts';
import { verifyRepo } from './verify-repo.ts';

/** A logs-like volume: 16 MB of log lines (restic's chunks average 1 MiB) and a 1 MiB random file. */
async function makeVolume(): Promise<string> {
  const volume = await tempDir();
  await mkdir(join(volume, 'app'));
  const lines = Array.from(
    { length: 300_000 },
    (_, i) => `2026-11-28T06:00:${i % 60} GET /api/item/${i} 200 ${i * 7}`,
  );
  await writeFile(join(volume, 'app/access.log'), `${lines.join('\n')}\n`);
  await writeFile(join(volume, 'blob.bin'), randomBytes(1024 * 1024));
  await chmod(join(volume, 'app'), 0o750);
  return volume;
}

async function stageBackup(volume: string, backupDir: string) {
  return createBackup({
    backupDir,
    project: 'offsite-unit',
    volumes: [{ name: 'logs', strategy: 'archive', path: volume }],
    taken: 'offline',
    compression: 'none',
  });
}

// restic derives each repository's key with scrypt: seconds per call when other packages' tests share the CPUs.
describe('a restic repository as a backup target', { timeout: 120_000 }, () => {
  it('finds restic 0.14 or later', async () => {
    expect(await resticVersion()).toMatch(/^0\.(1[4-9]|[2-9]\d)\.\d+$/);
  });

  it('stores a backup as one tagged snapshot, restores it from the repository alone, and deduplicates the next one', async () => {
    const { repo, passwordFile } = await newRepo();
    const access = { repo, passwordFile };
    const volume = await makeVolume();
    const staging = await tempDir();
    const first = await stageBackup(volume, staging);
    const uploaded = await backupToRepo({ access, backupDir: staging, id: first.id, host: 'host-a' });
    expect(uploaded.snapshot).toMatch(/^[0-9a-f]{8,}$/);

    const [listed] = await listRepo(access, 'offsite-unit');
    expect(listed).toMatchObject({
      id: first.id,
      project: 'offsite-unit',
      taken: 'offline',
      volumes: ['logs'],
      host: 'host-a',
      layout: 1, // the tar layout written before layout 2: still listed, fetched, verified and restored
    });

    // 1% more log lines: the second snapshot adds a small fraction of the first.
    const log = join(volume, 'app/access.log');
    const text = await readFile(log, 'utf8');
    await writeFile(log, text + text.slice(0, Math.floor(text.length / 100)));
    const secondDir = await tempDir();
    const secondManifest = await stageBackup(volume, secondDir);
    const added = await backupToRepo({ access, backupDir: secondDir, id: secondManifest.id });
    // restic's chunks average 1 MiB: the changed header, the log's tail and the resync cost a few chunks
    // (measured 4.0 and 6.3 of 16.6 MB in two runs, depending on where chunk boundaries fall in the random
    // content); a zstd archive would add all of it again. The 10% needs realistic sizes: the bench.
    expect(added.bytesAdded).toBeLessThan(uploaded.bytesAdded * 0.5);

    const fetched = await fetchFromRepo(access, first.id, { workDir: await tempDir() });
    const target = join(await tempDir(), 'logs');
    await restoreBackup({ backupDir: fetched.backupDir, id: first.id, volume: 'logs', targetPath: target });
    await fetched.remove();
    expect(await readFile(join(target, 'app/access.log'), 'utf8')).toBe(text);
  });

  it('verify walks every backup; a flipped byte in the repository fails verify and the fetch for a restore', async () => {
    const { repo, passwordFile } = await newRepo();
    const access = { repo, passwordFile };
    const staging = await tempDir();
    const manifest = await stageBackup(await makeVolume(), staging);
    await backupToRepo({ access, backupDir: staging, id: manifest.id });
    const good = await verifyRepo(access, { workDir: await tempDir() });
    expect(good.check.ok).toBe(true);
    expect(good.results).toEqual([expect.objectContaining({ id: manifest.id, ok: true, problems: [] })]);

    await flipByteInRepo(repo);
    const bad = await verifyRepo(access, { workDir: await tempDir(), readData: true });
    expect(bad.check.ok).toBe(false);
    expect(bad.results).toEqual([expect.objectContaining({ id: manifest.id, ok: false })]);
    await expect(fetchFromRepo(access, manifest.id, { workDir: await tempDir() })).rejects.toMatchObject({
      code: expect.stringMatching(/RESTIC_FAILED|BACKUP_CORRUPT/),
    });
  });

  it('prunes with restic forget over the project as one group, by backup id', async () => {
    const { repo, passwordFile } = await newRepo();
    const access = { repo, passwordFile };
    const volume = await makeVolume();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const staging = await tempDir();
      const m = await stageBackup(volume, staging);
      await backupToRepo({ access, backupDir: staging, id: m.id });
      ids.push(m.id);
    }
    const plan = await pruneRepo(access, { project: 'offsite-unit', policy: { keepLast: 1 } });
    expect(plan.keep.map((k) => [k.id, k.reasons])).toEqual([[ids[2], ['last snapshot']]]);
    expect(plan.remove.map((r) => r.id).sort()).toEqual([ids[0], ids[1]].sort());
    expect((await listRepo(access)).map((b) => b.id)).toEqual([ids[2]]);
  });

  it('refuses without a password source and never shows the password in an error', async () => {
    const { repo, password } = await newRepo();
    const saved = { file: process.env.RESTIC_PASSWORD_FILE, command: process.env.RESTIC_PASSWORD_COMMAND };
    delete process.env.RESTIC_PASSWORD_FILE;
    delete process.env.RESTIC_PASSWORD_COMMAND;
    try {
      await expect(listRepo({ repo })).rejects.toMatchObject({
        code: 'USAGE',
        message: expect.stringContaining('no password'),
      });
      process.env.OFFSITE_TEST_WRONG = `${password}-wrong`;
      const error = await listRepo({ repo, passwordEnv: 'OFFSITE_TEST_WRONG' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'RESTIC_FAILED', hint: expect.stringContaining('password') });
      expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(
        password,
      );
      await expect(
        listRepo({ repo: join(repo, 'missing'), passwordEnv: 'OFFSITE_TEST_WRONG' }),
      ).rejects.toMatchObject({
        code: 'REPO_NOT_FOUND',
      });
    } finally {
      delete process.env.OFFSITE_TEST_WRONG;
      if (saved.file !== undefined) process.env.RESTIC_PASSWORD_FILE = saved.file;
      if (saved.command !== undefined) process.env.RESTIC_PASSWORD_COMMAND = saved.command;
    }
  });
});
