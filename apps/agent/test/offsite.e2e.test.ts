// The agent's off-host job on a real rootless stack (project phx-agent-off, port 18094) and a local-path
// restic repository: after each scheduled local backup it dumps and archives the volumes again,
// uncompressed, into one restic snapshot; offsite.done reaches a command hook and phoenix_offsite_*
// appear in /metrics. On its own schedule with a wrong password it raises offsite.failed. The password
// (given by variable name) is never in a command line, the agent's log, an event or /metrics.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedProjectDir } from '@phoenix-hydra/e2e/cli-harness';
import { watchCommandLines } from '@phoenix-hydra/e2e/offsite-watch';
import { stackTools } from '@phoenix-hydra/e2e/stack-tools';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, eventually, freePort, hookEvents } from './agent-harness.ts';

const project = 'phx-agent-off';
const password = `agent-offsite-${randomBytes(16).toString('hex')}`;
const wrong = `agent-wrong-${randomBytes(16).toString('hex')}`;
let cwd = '';
let work = '';
let repo = '';
let env: Record<string, string> = {};
let agent: AgentProcess | undefined;

const { psql, freshStack, removeStack } = stackTools(
  project,
  () => cwd,
  () => env,
);

async function writeConfig(name: string, hookFile: string, offsite: string): Promise<string> {
  const file = join(work, name);
  await writeFile(
    file,
    `# written by offsite.e2e.test.ts
stack: { compose: ${join(cwd, 'podman-compose.yaml')} }
backup: { schedule: ${offsite.includes('afterBackup') ? '"*/30 * * * * *"' : 'null'}, jitter: 0s }
offsite: ${offsite}
verify: { schedule: null }
prune: { schedule: null }
checks: { schedule: null, atStart: false }
monitor: { podmanEvents: false, eventLog: false, validateConfig: false }
thresholds: { maxUsed: {} }
hooks:
  - name: record
    events: [offsite.done, offsite.failed]
    command: [tee, -a, ${hookFile}]
metrics: { listen: "127.0.0.1:${await freePort()}" }
`,
  );
  return file;
}

/** Everything the agent let out: its log, the events its hook received, /metrics. */
async function everythingShown(a: AgentProcess, hookFile: string): Promise<string> {
  return [
    a.lines.map((l) => JSON.stringify(l)).join('\n'),
    a.stderr.join('\n'),
    await readFile(hookFile, 'utf8'),
    await a.metrics(),
  ].join('\n');
}

beforeAll(async () => {
  cwd = await isolatedProjectDir(project, 18094);
  work = await mkdtemp(join(tmpdir(), 'phx-agent-off-'));
  repo = join(work, 'repo');
  env = { XDG_STATE_HOME: join(work, 'state'), RESTIC_CACHE_DIR: join(work, 'cache') };
  await execa('restic', ['init', '--repo', repo], { env: { ...env, RESTIC_PASSWORD: password } });
  await freshStack();
  await psql('create table rows(id int primary key, note text)');
  await psql("insert into rows select g, 'row ' || g from generate_series(1, 500) g");
}, 300_000);

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await removeStack();
  if (work) await execa('podman', ['unshare', 'rm', '-rf', work], { reject: false });
  if (work) await rm(work, { recursive: true, force: true });
});

describe('phoenix-volumes-agent off-host job', () => {
  it('uploads a snapshot after the scheduled backup: offsite.done, phoenix_offsite_* in /metrics, no password anywhere', async () => {
    const hookFile = join(work, 'done.jsonl');
    const config = await writeConfig(
      'after-backup.yaml',
      hookFile,
      `{ afterBackup: true, repo: ${repo}, passwordEnv: PHX_OFFSITE_PASS }`,
    );
    const { result: done, seen } = await watchCommandLines(async () => {
      agent = new AgentProcess(config, { ...env, PHX_OFFSITE_PASS: password });
      await agent.started();
      return eventually(
        async () => (await hookEvents(hookFile)).find((e) => e.type === 'offsite.done'),
        180_000,
        'offsite.done',
      );
    });
    const a = agent as AgentProcess;
    expect(done).toMatchObject({
      project,
      repository: repo,
      snapshot: expect.stringMatching(/^[0-9a-f]{8,64}$/),
    });
    expect(done.bytesAdded as number).toBeGreaterThan(0);
    const labels = `project="${project}",repository="${repo}"`;
    const metrics = await a.metrics();
    expect(metrics).toMatch(
      new RegExp(`phoenix_offsite_last_success_timestamp_seconds\\{${labels}\\} 1\\d{9}`),
    );
    expect(metrics).toMatch(new RegExp(`phoenix_offsite_duration_seconds\\{${labels}\\} \\d`));
    expect(metrics).toMatch(new RegExp(`phoenix_offsite_bytes_added\\{${labels}\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`phoenix_offsite_runs_total\\{${labels},result="success"\\} [1-9]`));
    // The snapshot is there for restic alone: tagged with the project, the backup id and layout 2 (trees read in place).
    const snapshots = JSON.parse(
      (
        await execa('restic', ['snapshots', '--json', '--repo', repo], {
          env: { ...env, RESTIC_PASSWORD: password },
        })
      ).stdout,
    ) as { tags: string[] }[];
    expect(snapshots.map((s) => s.tags)).toContainEqual(
      expect.arrayContaining([`project:${project}`, `id:${done.backupId}`, 'layout:2']),
    );
    // The staging copy is gone; only the local backup stays in the backup directory.
    const { stdout: left } = await execa('ls', ['-A', join(work, 'state/phoenix-hydra/backups')]);
    expect(left.split('\n').filter((n) => n.startsWith('.offsite-'))).toEqual([]);
    expect(seen.filter((line) => line.includes(password))).toEqual([]);
    expect(await everythingShown(a, hookFile)).not.toContain(password);
    await a.stop();
  }, 300_000);

  it('on its own schedule, a wrong password raises offsite.failed without showing the password', async () => {
    const hookFile = join(work, 'failed.jsonl');
    const config = await writeConfig(
      'schedule.yaml',
      hookFile,
      `{ schedule: "*/5 * * * * *", jitter: 0s, repo: ${repo}, passwordEnv: PHX_OFFSITE_PASS }`,
    );
    agent = new AgentProcess(config, { ...env, PHX_OFFSITE_PASS: wrong });
    const a = agent;
    await a.started();
    const failed = await eventually(
      async () => (await hookEvents(hookFile)).find((e) => e.type === 'offsite.failed'),
      120_000,
      'offsite.failed',
    );
    expect(failed).toMatchObject({
      project,
      repository: repo,
      backupId: expect.any(String), // the staged backup restic failed to store
      error: { code: 'RESTIC_FAILED' },
    });
    expect(String((failed.error as { message: string }).message)).toMatch(/restic backup failed on/);
    expect(await a.metrics()).toMatch(
      new RegExp(
        `phoenix_offsite_runs_total\\{project="${project}",repository="${repo}",result="failure"\\} [1-9]`,
      ),
    );
    expect(await everythingShown(a, hookFile)).not.toContain(wrong);
    await a.stop();
  }, 300_000);
});
