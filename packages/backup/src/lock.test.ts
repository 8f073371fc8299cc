import { spawnSync } from 'node:child_process';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/helpers.ts';
import { acquireLock, LOCK_FILE } from './lock.ts';

/** A pid that surely belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('acquireLock', () => {
  it('writes pid, host, operation and start time, and removes the file on release', async () => {
    const dir = await tempDir();
    const lock = await acquireLock(dir, { operation: 'backup' });
    const content = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'));
    expect(content).toEqual({
      pid: process.pid,
      host: hostname(),
      operation: 'backup',
      startedAt: expect.any(String),
    });
    await lock.release();
    await expect(readFile(join(dir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    await (await acquireLock(dir, { operation: 'restore' })).release();
  });

  it('refuses a second operation while the first runs, naming its pid, operation and start time', async () => {
    const dir = await tempDir();
    const first = await acquireLock(dir, { operation: 'backup' });
    const error = await acquireLock(dir, { operation: 'restore' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'LOCKED',
      message: expect.stringContaining(`backup (pid ${process.pid}, started ${first.holder.startedAt})`),
      hint: expect.stringContaining(`kill ${process.pid}`),
    });
    await first.release();
  });

  it('takes over a lock whose holder died on this host, and says whose it was', async () => {
    const dir = await tempDir();
    const stale = {
      pid: deadPid(),
      host: hostname(),
      operation: 'backup',
      startedAt: '2026-11-25T19:00:00.000Z',
    };
    await writeFile(join(dir, LOCK_FILE), JSON.stringify(stale));
    const lock = await acquireLock(dir, { operation: 'restore' });
    expect(lock.tookOver).toEqual(stale);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
      operation: 'restore',
    });
    await lock.release();
  });

  it('does not take over a lock held on another host', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: deadPid(), host: 'other-host', operation: 'backup', startedAt: 'x' }),
    );
    await expect(acquireLock(dir, { operation: 'restore' })).rejects.toMatchObject({
      code: 'LOCKED',
      hint: expect.stringContaining('other-host'),
    });
  });

  it('treats an unreadable lock as being written when fresh, and as stale when old', async () => {
    const dir = await tempDir();
    const path = join(dir, LOCK_FILE);
    await writeFile(path, '{"pid": 12');
    await expect(acquireLock(dir, { operation: 'backup' })).rejects.toMatchObject({ code: 'LOCKED' });
    await utimes(path, new Date('2020-01-01'), new Date('2020-01-01'));
    const lock = await acquireLock(dir, { operation: 'backup' });
    expect(lock.tookOver).toBeNull();
    await lock.release();
  });

  it('lets exactly one of many concurrent takeovers of a stale lock win', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: deadPid(), host: hostname(), operation: 'backup', startedAt: 'x' }),
    );
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => acquireLock(dir, { operation: 'prune' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'LOCKED' });
  });
});
