import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeContext, fixture, PROJECT } from '../../test/doctor-fakes.ts';
import { DOCTOR_CHECKS } from './catalogue.ts';
import type { DoctorContext, DoctorOptions } from './context.ts';
import { runDoctor } from './run-doctor.ts';

async function run(ctx: DoctorContext, ...ids: string[]) {
  return (await runDoctor(ctx, DOCTOR_CHECKS, { only: ids })).findings;
}

async function stateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'dx-state-'));
}

const withState = (dir: string, more: DoctorOptions = {}) =>
  fakeContext({
    settings: { lockDir: (project) => join(dir, 'locks', project), backupDir: join(dir, 'backups'), ...more },
  });

// The recorded lock (written by the backup package's acquireLock in a process that then exited), moved
// to this host and given the pid of a process that has certainly ended.
async function writeLock(dir: string, change: Record<string, unknown>): Promise<string> {
  const lockDir = join(dir, 'locks', PROJECT);
  await mkdir(lockDir, { recursive: true });
  const path = join(lockDir, 'phoenix-volumes.lock');
  await writeFile(path, JSON.stringify({ ...JSON.parse(fixture('lock-dead-holder.json')), ...change }));
  return path;
}
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid ?? 0;

describe('stale locks', () => {
  it('reports a lock whose process died on this host, and the fix removes it', async () => {
    const dir = await stateDir();
    const path = await writeLock(dir, { host: hostname(), pid: deadPid() });
    const [found] = await run(withState(dir), 'PHX-LOCK-001');
    expect(found).toMatchObject({
      check: 'PHX-LOCK-001',
      severity: 'warning',
      message: expect.stringMatching(/: backup \(pid \d+, started 2026-.*\) is no longer running$/),
      evidence: { path, operation: 'backup' },
      hint: `rm ${path}`,
    });
    await found?.fix?.apply({} as never);
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });

  it('leaves a live holder alone and only notes one on another host', async () => {
    const dir = await stateDir();
    await writeLock(dir, { host: hostname(), pid: process.pid });
    expect(await run(withState(dir), 'PHX-LOCK-001')).toEqual([]);
    await writeLock(dir, { host: 'elsewhere', pid: deadPid() });
    const [other] = await run(withState(dir), 'PHX-LOCK-001');
    expect(other).toMatchObject({ severity: 'info', message: /held by pid \d+ on host elsewhere/ });
    expect(other?.fix).toBeUndefined();
  });
});

describe('backups', () => {
  // The recorded backup of the dx-fixture project, verified by the backup package.
  async function recordedBackups(): Promise<{ dir: string; id: string; createdAt: Date }> {
    const dir = await stateDir();
    await cp(new URL('../../test/fixtures/backups', import.meta.url), join(dir, 'backups'), {
      recursive: true,
    });
    const [id = ''] = await readdir(join(dir, 'backups'));
    const manifest = JSON.parse(fixture(`backups/${id}/manifest.json`));
    return { dir, id, createdAt: new Date(manifest.createdAt) };
  }
  const later = (date: Date, hours: number) => () => new Date(date.getTime() + hours * 3600e3);

  it('is quiet about a verified backup within the policy', async () => {
    const { dir, createdAt } = await recordedBackups();
    expect(
      await run(withState(dir, { now: later(createdAt, 2) }), 'PHX-BACKUP-001', 'PHX-BACKUP-002'),
    ).toEqual([]);
  });

  it('warns when the newest backup is older than 24 h', async () => {
    const { dir, id, createdAt } = await recordedBackups();
    const found = await run(withState(dir, { now: later(createdAt, 30) }), 'PHX-BACKUP-001');
    expect(found).toMatchObject([
      { severity: 'warning', message: `the newest backup (${id}) is 30 h old; the policy is 24 h` },
    ]);
  });

  it('warns about a backup never verified, errs on one that failed verification', async () => {
    const { dir, id, createdAt } = await recordedBackups();
    const verified = join(dir, 'backups', id, 'verified.json');
    await rm(verified);
    const ctx = () => withState(dir, { now: later(createdAt, 1) });
    expect(await run(ctx(), 'PHX-BACKUP-002')).toMatchObject([
      {
        severity: 'warning',
        message: `backup ${id} was never verified`,
        hint: `phoenix-volumes backup verify ${id}`,
      },
    ]);
    const failed = {
      ...JSON.parse(fixture(`backups/${id}/verified.json`)),
      ok: false,
      problems: ['sha256 of logs.tar.zst does not match'],
    };
    await writeFile(verified, JSON.stringify(failed));
    expect(await run(ctx(), 'PHX-BACKUP-002')).toMatchObject([
      {
        severity: 'error',
        message: expect.stringMatching(/failed verification .*: sha256 of logs\.tar\.zst does not match/),
      },
    ]);
  });

  it('notes (info) that a project has no backup yet', async () => {
    const dir = await stateDir();
    expect(await run(withState(dir), 'PHX-BACKUP-001', 'PHX-BACKUP-002')).toMatchObject([
      { check: 'PHX-BACKUP-001', severity: 'info', hint: 'phoenix-volumes backup create' },
    ]);
  });
});
