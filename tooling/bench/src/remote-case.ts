import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2E_USER, FIXTURE_COMPOSE, lookupUser, testUserEnv } from '../../e2e/host.ts';
import { measure } from './measure.ts';
import { median } from './report.ts';

export interface RemoteResult {
  operation: 'remote podman';
  user: string;
  cases: { step: string; remoteSeconds: number; localSeconds: number; ratio: number }[];
}

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
const IMAGE = 'localhost/phoenix-hydra-test:latest';

/**
 * Issue 19: what a command costs through a remote podman (a rootless `podman system service`, CONTAINER_HOST
 * set, so helper containers instead of `podman unshare`) against the same command locally, on the design
 * stack as remote-podman.e2e.test.ts sets it up, as the e2e host's rootless user. Each run does remote then
 * local (or local then remote, alternating): setup from nothing, setup again (no-op), backup create,
 * restore --stop of that backup, nginx deploy DIR (no reload: nginx is not up), cleanup --yes; plus one helper container doing nothing against `podman unshare true`. Medians.
 */
export async function runRemoteCase(
  tools: { node: string; cliBin: string },
  runs: number,
  log: (line: string) => void,
): Promise<RemoteResult> {
  const user = lookupUser(E2E_USER);
  if (process.getuid?.() !== 0 || user === undefined)
    throw new Error(`the remote case runs as root with ${E2E_USER} present (prepare-host.sh makes it)`);
  const env = testUserEnv(user);
  const project = `phx-bench-remote-${process.pid}`;
  const base = join(user.home, '.local/share', project);
  const socket = join(tmpdir(), `${project}.sock`);
  const dir = mkdtempSync(join(tmpdir(), 'phx-bench-remote-'));
  const backups = join(dir, 'backups');
  mkdirSync(backups);
  const site = join(dir, 'site');
  mkdirSync(site);
  writeFileSync(
    join(site, 'default.conf'),
    'server {\n  listen 80;\n  location / { default_type text/plain; return 200 "bench\\n"; }\n}\n',
    { mode: 0o644 },
  );
  const text = readFileSync(FIXTURE_COMPOSE, 'utf8')
    .replaceAll('/.local/share/phoenix-hydra/', `/.local/share/${project}/`)
    .replace('"8080:80"', `"${19000 + (process.pid % 1000)}:80"`);
  const compose = join(dir, 'podman-compose.yaml');
  writeFileSync(compose, text, { mode: 0o644 });
  for (const d of [dir, backups, site]) chownSync(d, user.uid, user.gid);
  const userEnv = ['HOME', 'USER', 'LOGNAME', 'XDG_RUNTIME_DIR', 'PATH'].map(
    (k) => `${k}=${quote(env[k] ?? '')}`,
  );
  const as = (script: string, remote: boolean) =>
    `runuser -u ${user.name} -- env ${userEnv.join(' ')}${remote ? ` CONTAINER_HOST=unix://${quote(socket)}` : ''} bash -c ${quote(script)}`;
  const sh = (script: string) =>
    execFileSync('bash', ['-c', as(script, false)], { env, cwd: dir, stdio: 'pipe' });
  const cli = (args: string) =>
    `cd ${quote(dir)} && ${quote(tools.node)} ${quote(tools.cliBin)} ${args} >/dev/null`;
  /** Everything the stack left, outside the timing: volumes, the data directories (subuid-owned), backups. */
  const reset = () =>
    sh(
      `podman volume ls --format '{{.Name}}' | grep '^${project}_' | xargs -r podman volume rm -f >/dev/null; ` +
        `podman ps -aq --filter label=io.phoenix-hydra.helper=1 | xargs -r podman rm -f >/dev/null; ` +
        `podman unshare rm -rf -- ${quote(base)}; podman unshare rm -rf -- ${quote(backups)}; mkdir -p ${quote(backups)}`,
    );
  const steps = [
    { step: 'setup (from nothing)', script: cli('setup') },
    { step: 'setup (no-op)', script: cli('setup') },
    {
      step: 'backup create',
      script: `cd ${quote(dir)} && ${quote(tools.node)} ${quote(tools.cliBin)} backup create --backup-dir ${quote(backups)} --json >${quote(join(dir, 'last.json'))}`,
    },
    {
      step: 'restore --stop',
      script: `id=$(sed -n 's/.*"id": *"\\([^"]*\\)".*/\\1/p' ${quote(join(dir, 'last.json'))} | head -n 1) && ${cli(`restore "$id" --from ${quote(backups)} --stop --yes`)}`,
    },
    { step: 'nginx deploy DIR', script: cli(`nginx deploy ${quote(site)}`) },
    { step: 'cleanup --yes', script: cli(`cleanup --yes --to ${quote(backups)}`) },
  ];
  const helper = {
    remote: `podman run --rm --pull never --network none --user 0:0 ${IMAGE} true >/dev/null`,
    local: 'podman unshare true',
  };
  const names = [...steps.map((s) => s.step), 'helper container (remote) vs podman unshare true (local)'];
  const samples = names.map(() => ({ remote: [] as number[], local: [] as number[] }));
  let service: ChildProcess | undefined;
  try {
    reset();
    service = spawn(
      'bash',
      ['-c', as(`exec podman system service --time=0 unix://${quote(socket)}`, false)],
      {
        env,
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
    if (!existsSync(socket)) throw new Error(`podman system service did not create ${socket}`);
    for (let run = 0; run < runs; run += 1) {
      const modes = run % 2 === 0 ? (['remote', 'local'] as const) : (['local', 'remote'] as const);
      for (const mode of modes) {
        const remote = mode === 'remote';
        const scripts = [...steps.map((s) => s.script), helper[mode]];
        for (let index = 0; index < scripts.length; index += 1) {
          const sample = await measure(as(scripts[index] as string, remote), { cwd: dir });
          samples[index]?.[mode].push(sample.seconds);
          log(`remote run ${run + 1}/${runs} ${mode} ${names[index]}: ${sample.seconds.toFixed(3)} s`);
        }
        reset();
      }
    }
  } finally {
    if (service?.exitCode === null) {
      const exited = new Promise((r) => service?.once('exit', r));
      service.kill('SIGTERM');
      await exited;
    }
    try {
      reset();
      sh(`podman unshare rm -rf -- ${quote(backups)}`);
    } catch (error) {
      log(`remote: cleanup failed: ${String(error)}`);
    }
    rmSync(socket, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    operation: 'remote podman',
    user: user.name,
    cases: names.map((step, index) => {
      const remoteSeconds = median(samples[index]?.remote ?? []);
      const localSeconds = median(samples[index]?.local ?? []);
      return { step, remoteSeconds, localSeconds, ratio: remoteSeconds / localSeconds };
    }),
  };
}

/** The Markdown table: each step through the remote podman against the same step locally. */
export function remoteTable(result: RemoteResult): string {
  return [
    `Remote podman (rootless podman system service, CONTAINER_HOST) against local, design stack, as ${result.user}`,
    '',
    '| step | remote s | local s | remote/local |',
    '| --- | --- | --- | --- |',
    ...result.cases.map(
      (c) =>
        `| ${c.step} | ${c.remoteSeconds.toFixed(3)} | ${c.localSeconds.toFixed(3)} | ${c.ratio.toFixed(2)}× |`,
    ),
  ].join('\n');
}
