// `backup create --repo` through the CLI records offsite.done / offsite.failed in the event log the
// agent forwards to hooks, as the agent's own off-host job raises them. A fake podman (no containers)
// and a real restic with a local-path repository: the logs volume of the built-in stack is archived.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createFakePodman, fakeVolume } from '@phoenix-hydra/podman-adapter/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { backupCreateToRepo } from '../src/commands/backup-repo.ts';

let work = '';
let repo = '';
let passwordFile = '';
const password = `events-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'phx-offsite-events-'));
  repo = join(work, 'repo');
  passwordFile = join(work, 'password');
  await writeFile(passwordFile, password, { mode: 0o600 });
  await mkdir(join(work, 'base/logs'), { recursive: true });
  await writeFile(join(work, 'base/logs/access.log'), 'GET / 200\n');
  execFileSync('restic', ['init', '-q', '--repo', repo], {
    env: { ...process.env, RESTIC_PASSWORD_FILE: passwordFile, RESTIC_CACHE_DIR: join(work, 'cache') },
    stdio: 'ignore',
  });
  vi.stubEnv('XDG_STATE_HOME', join(work, 'state'));
  vi.stubEnv('RESTIC_CACHE_DIR', join(work, 'cache'));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  // restic writes its repository files read-only.
  execFileSync('chmod', ['-R', 'u+w', work]);
  await rm(work, { recursive: true, force: true });
});

async function events(): Promise<{ type: string; [key: string]: unknown }[]> {
  const text = await readFile(join(work, 'state/phoenix-hydra/events.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

function create(passwordSource: { repoPasswordFile?: string; repoPasswordEnv?: string }) {
  const podman = createFakePodman({ volumes: [fakeVolume('phoenix-hydra_logs', join(work, 'base/logs'))] });
  return backupCreateToRepo({
    cwd: work,
    baseDir: join(work, 'base'),
    backupDir: join(work, 'backups'),
    volume: ['logs'],
    repo,
    ...passwordSource,
    podman,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
  });
}

describe('backup create --repo records the off-host result in the event log', () => {
  it('offsite.done names the backup, the snapshot and what it added', async () => {
    await create({ repoPasswordFile: passwordFile });
    const log = await events();
    const done = log.find((e) => e.type === 'offsite.done');
    const completed = log.find((e) => e.type === 'backup.completed');
    expect(done).toMatchObject({
      project: 'phoenix-hydra',
      backupId: completed?.backupId,
      repository: repo,
      snapshot: expect.stringMatching(/^[0-9a-f]{8,64}$/), // restic 0.14 prints the short id
      bytesAdded: expect.any(Number),
      bytesProcessed: expect.any(Number),
      durationSeconds: expect.any(Number),
    });
    expect(log.map((e) => e.type)).toEqual(['backup.started', 'backup.completed', 'offsite.done']);
    // The staging directory is gone: backup.completed names where the backup is kept, the repository.
    expect(completed?.path).toBe(repo);
  });

  it('offsite.failed carries the error code and never the password', async () => {
    vi.stubEnv('PHX_EVENTS_WRONG', `wrong-${password}`);
    await expect(create({ repoPasswordEnv: 'PHX_EVENTS_WRONG' })).rejects.toMatchObject({
      code: 'RESTIC_FAILED',
    });
    const failed = (await events()).filter((e) => e.type === 'offsite.failed');
    expect(failed).toEqual([
      expect.objectContaining({
        project: 'phoenix-hydra',
        backupId: expect.any(String),
        repository: repo,
        error: expect.objectContaining({ code: 'RESTIC_FAILED' }),
      }),
    ]);
    const text = await readFile(join(work, 'state/phoenix-hydra/events.jsonl'), 'utf8');
    expect(text).not.toContain(password);
  });
});
