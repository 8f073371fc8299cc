import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backupOne, tempDir } from '../test/helpers.ts';
import { listBackups } from './list.ts';

const indexPath = fileURLToPath(new URL('./index.ts', import.meta.url));

/** Runs a backup in a child process and kills it with SIGKILL as soon as it reports progress. */
async function killMidBackup(backupDir: string, volume: string): Promise<void> {
  const script = `
    import { createBackup } from ${JSON.stringify(indexPath)};
    await createBackup({
      backupDir: process.argv[1],
      project: 'p',
      volumes: [{ name: 'v', strategy: 'archive', path: process.argv[2] }],
      taken: 'offline',
      onProgress: () => process.stdout.write('progress\\n'),
    });
    process.stdout.write('finished\\n');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, backupDir, volume], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  for await (const line of createInterface({ input: child.stdout })) {
    expect(line).toBe('progress'); // killed before it could finish
    child.kill('SIGKILL');
    break;
  }
  const [, signal] = await exited;
  expect(signal).toBe('SIGKILL');
}

describe('a backup killed with SIGKILL', () => {
  it('is never listed, and the next run removes its leftovers', async () => {
    const volume = await tempDir();
    for (const name of ['a', 'b', 'c'])
      await writeFile(join(volume, name), Buffer.alloc(32 * 1024 * 1024, name));
    const backupDir = join(await tempDir(), 'backups');
    await killMidBackup(backupDir, volume);
    const leftovers = await readdir(backupDir);
    expect(leftovers).toHaveLength(1);
    expect(leftovers[0]).toMatch(/^\.tmp-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(await listBackups(backupDir)).toEqual([]);
    expect(await readdir(backupDir)).toEqual([]);
  });

  it('createBackup also cleans leftovers before writing', async () => {
    const volume = await tempDir();
    await writeFile(join(volume, 'big'), Buffer.alloc(64 * 1024 * 1024, 1));
    const backupDir = join(await tempDir(), 'backups');
    await killMidBackup(backupDir, volume);
    await writeFile(join(volume, 'big'), 'small now');
    const { id } = await backupOne(volume, { backupDir });
    expect(await readdir(backupDir)).toEqual([id]);
  });
});

describe('stale temp directories', () => {
  it('keeps a live writer’s directory and one without a marker that is still young; removes an old unmarked one', async () => {
    const backupDir = await tempDir();
    const live = join(backupDir, '.tmp-20261125T193000Z-aaaaaa');
    await mkdir(live);
    await writeFile(
      join(live, '.writer.json'),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }),
    );
    const otherHost = join(backupDir, '.tmp-20261125T193000Z-bbbbbb');
    await mkdir(otherHost);
    await writeFile(
      join(otherHost, '.writer.json'),
      JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: new Date().toISOString() }),
    );
    await mkdir(join(backupDir, '.tmp-young'));
    const old = join(backupDir, '.tmp-old');
    await mkdir(old);
    await utimes(old, new Date('2020-01-01'), new Date('2020-01-01'));
    expect(await listBackups(backupDir)).toEqual([]);
    expect((await readdir(backupDir)).sort()).toEqual([
      '.tmp-20261125T193000Z-aaaaaa',
      '.tmp-20261125T193000Z-bbbbbb',
      '.tmp-young',
    ]);
  });
});
