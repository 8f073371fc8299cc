// The agent against a real rootless stack of its own (project phx-agent, port 18082, data in
// ~/.local/share/phx-agent, state in a temp XDG_STATE_HOME): a scheduled backup shows in /metrics and
// /healthz, promtool accepts the live output, an edit of default.conf reaches a command hook (validated
// with nginx -t), podman stop/start raise volume events, a filled 64 MB tmpfs fires a signed webhook
// (retried after a 500), and SIGTERM during a backup leaves no partial file and exits 143.

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedProjectDir } from '@phoenix-hydra/e2e/cli-harness';
import { writeRandomFile } from '@phoenix-hydra/e2e/process-tree';
import { stackTools } from '@phoenix-hydra/e2e/stack-tools';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../src/hooks/signature.ts';
import { AgentProcess, eventually, freePort, hookEvents } from './agent-harness.ts';

const project = 'phx-agent';
const base = join(homedir(), '.local/share', project);
const nginx = `${project}_nginx_1`;
const SECRET = 'e2e-webhook-secret';
let cwd = '';
let scratch = '';
let state = '';
let env: Record<string, string> = {};
let backupDir = '';
let hookFile = '';
let agent: AgentProcess | undefined;
let receiver: Server | undefined;
let receiverUrl = '';
let tmpfs = '';
const deliveries: { headers: IncomingMessage['headers']; body: string; status: number }[] = [];

const { podman, unshare, freshStack, removeStack } = stackTools(
  project,
  () => cwd,
  () => env,
);

async function writeConfig(
  name: string,
  extra: { backupSchedule: string; shutdownGrace: string },
): Promise<string> {
  const file = join(scratch, name);
  await writeFile(
    file,
    `# written by agent.e2e.test.ts
stack:
  compose: ${join(cwd, 'podman-compose.yaml')}
backup:
  schedule: "${extra.backupSchedule}"
  jitter: 1s
  maxAge: 10m
  shutdownGrace: ${extra.shutdownGrace}
verify: { schedule: null }
prune: { schedule: null }
checks: { schedule: null, atStart: true }
monitor: { interval: 1s, configDebounce: 1s }
thresholds:
  minAvail: { database: 1MiB, default: 32MiB }
  maxUsed: {}
hooks:
  - name: record
    command: [tee, -a, ${hookFile}]
    timeout: 10s
  - name: receiver
    events: [disk.threshold]
    webhook: { url: "${receiverUrl}/hook", secretEnv: PHX_E2E_SECRET, backoff: 200ms, retries: 3 }
metrics: { listen: "127.0.0.1:${await freePort()}" }
`,
  );
  return file;
}

/** Waits (up to 60 s) until the command hook received at least COUNT events of TYPE; returns them. */
function hookReceived(type: string, count: number) {
  return eventually(
    async () => {
      const found = (await hookEvents(hookFile)).filter((e) => e.type === type);
      return found.length >= count && found;
    },
    60_000,
    type,
  );
}

function startAgent(configFile: string): AgentProcess {
  agent = new AgentProcess(configFile, { ...env, PHX_E2E_SECRET: SECRET });
  return agent;
}

beforeAll(async () => {
  cwd = await isolatedProjectDir(project, 18082);
  scratch = await mkdtemp(join(tmpdir(), 'phx-agent-e2e-'));
  state = await mkdtemp(join(tmpdir(), 'phx-agent-state-'));
  env = { XDG_STATE_HOME: state };
  backupDir = join(state, 'phoenix-hydra/backups');
  hookFile = join(scratch, 'hook.jsonl');
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      // The first delivery fails, so the retry is exercised; the same delivery id comes again.
      const status = deliveries.length === 0 ? 500 : 200;
      deliveries.push({ headers: req.headers, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver?.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  await freshStack();
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  if (tmpfs) await unshare('umount', tmpfs).catch(() => undefined);
  receiver?.close();
  await removeStack();
  for (const dir of [scratch, state]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('phoenix-volumes-agent on a real rootless stack', () => {
  it('runs a scheduled backup, which shows in /metrics and turns /healthz green', async () => {
    const a = startAgent(
      await writeConfig('agent.yaml', { backupSchedule: '*/20 * * * * *', shutdownGrace: '60s' }),
    );
    const url = await a.started();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const first = await fetch(`${url}/healthz`);
    if (first.status === 503) {
      const health = (await first.json()) as { stale: { volume: string }[] };
      expect(health.stale.map((s) => s.volume)).toContain('db_data');
    }
    const metrics = await eventually(
      async () => {
        const text = await a.metrics();
        return (
          /phoenix_backup_last_success_timestamp_seconds\{project="phx-agent",volume="db_data"\} \d/.test(
            text,
          ) && text
        );
      },
      90_000,
      'a backup in /metrics',
    );
    expect(metrics).toMatch(/phoenix_backup_size_bytes\{project="phx-agent",volume="db_data"\} [1-9]/);
    expect(metrics).toMatch(/phoenix_backup_duration_seconds\{project="phx-agent"\} /);
    expect(metrics).toMatch(/phoenix_volume_used_bytes\{project="phx-agent",volume="db_data"\} [1-9]/);
    expect(metrics).toMatch(/phoenix_volume_files\{project="phx-agent",volume="nginx_config"\} [1-9]/);
    expect(metrics).toMatch(/phoenix_filesystem_avail_bytes\{project="phx-agent",volume="logs"\} [1-9]/);
    expect(metrics).toMatch(/phoenix_backup_runs_total\{project="phx-agent",result="success"\} [1-9]/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const events = await hookEvents(hookFile);
    const completed = events.find((e) => e.type === 'backup.completed');
    expect(completed).toMatchObject({ project, volumes: ['db_data', 'nginx_config', 'logs'] });
    const ids = (await readdir(backupDir)).filter((n) => !n.startsWith('.'));
    expect(ids).toContain(completed?.backupId);
  });

  it('exports metrics promtool accepts, with every doctor check', async () => {
    const a = agent as AgentProcess;
    const text = await eventually(
      async () => {
        const t = await a.metrics();
        return t.includes('phoenix_check_status{') && t;
      },
      90_000,
      'phoenix_check_status',
    );
    expect(text).toMatch(/phoenix_check_status\{project="phx-agent",check="PHX-OWNER-001"\} 1/);
    const checked = await execa('promtool', ['check', 'metrics'], { input: text, reject: false });
    expect(checked.exitCode, `${checked.stdout}${checked.stderr}`).toBe(0);
  });

  it('raises config.changed to a command hook when default.conf is edited, validated with nginx -t', async () => {
    const conf = join(base, 'nginx_config/default.conf');
    const original = (await unshare('cat', conf)).stdout;
    await unshare('sh', '-c', `printf '\\n# edited by the agent e2e test\\n' >> "$0"`, conf);
    const valid = await eventually(
      async () => (await hookEvents(hookFile)).find((e) => e.type === 'config.changed'),
      60_000,
      'config.changed',
    );
    expect(valid).toMatchObject({ project, volume: 'nginx_config', valid: true });
    expect(valid.files as string[]).toContain('default.conf');
    expect(typeof valid.time).toBe('string');

    await unshare('sh', '-c', `printf '}\\n' >> "$0"`, conf);
    const invalid = await eventually(
      async () => (await hookEvents(hookFile)).find((e) => e.type === 'config.changed' && e.valid === false),
      60_000,
      'config.changed with valid: false',
    );
    expect(String(invalid.message)).toMatch(/unexpected "\}"/);
    await unshare('sh', '-c', 'printf "%s\\n" "$1" > "$0"', conf, original);
  });

  it('raises volume.unmounted and volume.mounted when podman stops and starts a container', async () => {
    expect((await podman('stop', nginx)).exitCode).toBe(0);
    const unmounted = await hookReceived('volume.unmounted', 2);
    expect(unmounted.map((e) => [e.volume, e.container]).sort()).toEqual([
      ['logs', nginx],
      ['nginx_config', nginx],
    ]);
    expect((await podman('start', nginx)).exitCode).toBe(0);
    const mounted = await hookReceived('volume.mounted', 2);
    expect(mounted.map((e) => e.volume).sort()).toEqual(['logs', 'nginx_config']);
  });

  it('fires a signed webhook, retried after a 500, when a small filesystem fills up, and resolves it', async () => {
    // A real 64 MB filesystem over the logs volume, mounted inside the rootless user namespace, where the agent runs.
    tmpfs = join(base, 'logs');
    await unshare('mount', '-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', tmpfs);
    await unshare('dd', 'if=/dev/zero', `of=${join(tmpfs, 'fill')}`, 'bs=1M', 'count=40');
    const firing = await eventually(
      async () => deliveries.filter((d) => d.status === 200).length >= 1 && deliveries,
      60_000,
      'the webhook',
    );
    const [failed, retried] = firing;
    expect(failed?.status).toBe(500);
    expect(retried?.headers['x-phoenix-delivery']).toBe(failed?.headers['x-phoenix-delivery']);
    const verify = (secret: string) =>
      verifyWebhook(
        secret,
        retried?.body ?? '',
        retried?.headers['x-phoenix-timestamp'] as string | undefined,
        retried?.headers['x-phoenix-signature'] as string | undefined,
      );
    expect(verify(SECRET)).toEqual({ ok: true });
    expect(verify('wrong')).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(JSON.parse(retried?.body ?? '{}')).toMatchObject({
      type: 'disk.threshold',
      project,
      volume: 'logs',
      metric: 'avail_bytes',
      state: 'firing',
      threshold: 32 * 1024 ** 2,
    });
    await unshare('rm', join(tmpfs, 'fill'));
    const resolved = await eventually(
      async () => deliveries.map((d) => JSON.parse(d.body)).find((e) => e.state === 'resolved'),
      60_000,
      'the resolved webhook',
    );
    expect(resolved).toMatchObject({ volume: 'logs', metric: 'avail_bytes' });
    await unshare('umount', tmpfs);
    tmpfs = '';
    expect(await agent?.stop('SIGTERM')).toBe(143);
  });

  it('aborts a running backup on SIGTERM: no partial file, nothing new listed, exit 143', async () => {
    await writeRandomFile(join(base, 'logs/big.bin'), 300);
    const before = (await readdir(backupDir)).filter((n) => !n.startsWith('.')).sort();
    const a = startAgent(
      await writeConfig('abort.yaml', { backupSchedule: '* * * * * *', shutdownGrace: '0s' }),
    );
    await a.started();
    // The archive of the 300 MB file is being written into a hidden temp dir.
    await eventually(
      async () => (await readdir(backupDir)).some((n) => n.startsWith('.tmp-')),
      60_000,
      'a backup in progress',
    );
    expect(await a.stop('SIGTERM')).toBe(143);
    expect(
      a.lines.some((l) => /aborting running jobs/.test(l.msg)),
      a.dump(),
    ).toBe(true);
    const after = await readdir(backupDir);
    expect(after.filter((n) => n.startsWith('.'))).toEqual([]);
    expect(after.filter((n) => !n.startsWith('.')).sort()).toEqual(before);
    // Other monitors (doctor checks) may report meanwhile: the last backup event is the one that matters.
    const events = await hookEvents(hookFile);
    const backupEvents = events.filter((e) => e.type.startsWith('backup.'));
    expect(backupEvents.at(-1), JSON.stringify(events.slice(-5))).toMatchObject({
      type: 'backup.failed',
      error: { code: 'ABORTED' },
    });
    await unshare('rm', '-f', join(base, 'logs/big.bin'));
  });
});
