// adopt through a remote podman (podman machine's situation on this Linux host: a rootless `podman system
// service` reached through CONTAINER_HOST, a `podman` on PATH that fails on any `unshare`, no subuid files
// on the client). The original scripts' data sits in podman's storage; adopt copies it into the stack's
// host directory on the machine in helper containers, verifies it, rebinds the volume and starts the stack.
// An interrupted operation's leftovers on the machine are repaired through helpers too.
import { type ChildProcess, spawn } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isolatedProjectDir } from '@phoenix-hydra/e2e/cli-harness';
import { stackTools } from '@phoenix-hydra/e2e/stack-tools';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const project = `phx-radopt-${process.pid}`;
const base = join(homedir(), '.local/share', project);
const hostPath = join(base, 'db_data');
const volume = `${project}_db_data`;
const socket = join(tmpdir(), `${project}.sock`);
let service: ChildProcess | undefined;
let cwd = '';
let state = '';
let wrapperDir = '';
/** What the CLI gets: a remote podman, unshare refused, no subuid files, its own state directory. */
let remote: Record<string, string> = {};

const { run, podman, compose, waitForPostgres, volumeMount, seedOriginalScriptsDb, expectSeededRows } =
  stackTools(
    project,
    () => cwd,
    () => remote,
  );
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
const inspect = () => volumeMount('db_data');
/** Owner and mode of PATH as a root container mounting the stack's db volume sees them. */
const seen = async (path = '/d') =>
  (
    await podman(
      'run',
      '--rm',
      '--network=none',
      '--user=0:0',
      `--volume=${volume}:/d`,
      'postgres:15',
      'stat',
      '-c',
      '%u:%g %a',
      path,
    )
  ).stdout.trim();
const helpersLeft = async () =>
  (
    await podman('ps', '-a', '--filter', 'label=io.phoenix-hydra.helper=1', '--format', '{{.Names}}')
  ).stdout.trim();

beforeAll(async () => {
  cwd = await isolatedProjectDir(project, 18098);
  state = await mkdtemp(join(tmpdir(), `${project}-state-`));
  wrapperDir = await mkdtemp(join(tmpdir(), `${project}-bin-`));
  const real = (await execa('sh', ['-c', 'command -v podman'])).stdout.trim();
  await writeFile(
    join(wrapperDir, 'podman'),
    `#!/bin/sh\nfor a in "$@"; do [ "$a" = unshare ] && { echo "test wrapper: podman unshare refused" >&2; exit 125; }; done\nexec ${real} "$@"\n`,
  );
  await chmod(join(wrapperDir, 'podman'), 0o755);
  service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await exists(socket)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await exists(socket))) throw new Error(`podman system service did not create ${socket}`);
  remote = {
    CONTAINER_HOST: `unix://${socket}`,
    PATH: `${wrapperDir}:${process.env.PATH ?? ''}`,
    PHOENIX_SUBUID_FILE: '/nonexistent/subuid',
    PHOENIX_SUBGID_FILE: '/nonexistent/subgid',
    XDG_STATE_HOME: state,
  };
  // As the original scripts left it: no setup, podman-compose created the volume without bind options.
  await seedOriginalScriptsDb(5000);
}, 300_000);

afterAll(async () => {
  await compose('down');
  if (service?.exitCode === null) {
    const exited = new Promise((r) => service?.once('exit', r));
    service.kill('SIGTERM');
    await exited;
  }
  await rm(socket, { force: true });
  for (const name of ['db_data', 'nginx_config', 'logs'])
    await execa('podman', ['volume', 'rm', '-f', `${project}_${name}`], { reject: false });
  await execa('podman', ['network', 'rm', `${project}_default`], { reject: false });
  await execa('podman', ['unshare', 'rm', '-rf', '--', base], { reject: false });
  await rm(dirname(cwd), { recursive: true, force: true });
  await rm(state, { recursive: true, force: true });
  await rm(wrapperDir, { recursive: true, force: true });
}, 120_000);

describe('adopt through a remote podman', () => {
  it('copies the rows onto the host directory on the machine in helpers, rebinds the volume, starts the stack', async () => {
    const started = performance.now();
    const adopted = await run(['adopt', '--volume', 'db_data', '--yes']);
    const ms = Math.round(performance.now() - started);
    expect(adopted.exitCode, adopted.stderr).toBe(0);
    expect(adopted.stderr).not.toMatch(/unshare/);
    expect(adopted.stdout).toMatch(
      new RegExp(
        `adopted db_data into ${hostPath}: \\d+ entries, .* verified, database cluster state "shut down"`,
      ),
    );
    expect(adopted.stdout).toContain(`the old data is kept in ${hostPath}.podman-volume-`);
    // Through a podman service from Linux the kept copy is removed on the service's host, not in a podman machine.
    expect(adopted.stdout).toMatch(
      /on the machine; once satisfied: podman unshare rm -rf .*, as the user .* on its host/,
    );
    expect(adopted.stdout).not.toMatch(/podman machine ssh/);
    expect((await inspect()).device).toBe(hostPath);
    expect(await seen()).toBe('999:999 700');
    expect(await seen('/d/PG_VERSION')).toMatch(/^999:999 6\d\d$/);
    await waitForPostgres();
    await expectSeededRows(5000);
    expect(await helpersLeft()).toBe('');
    console.info(`remote adopt of db_data: ${ms} ms`);
  }, 300_000);

  it('an interrupted restore left on the machine is repaired through helpers by the next command', async () => {
    // What a client killed between extracting and swapping leaves: staging beside the volume, journaled.
    const staging = `${hostPath}.restore-staging-20260101T000000Z`;
    await execa('podman', ['unshare', 'mkdir', staging]);
    await execa('podman', ['unshare', 'touch', join(staging, 'half-extracted')]);
    const locks = join(state, 'phoenix-hydra', 'locks', project);
    await mkdir(locks, { recursive: true, mode: 0o700 });
    const journal = {
      schemaVersion: 1,
      operation: 'restore',
      pid: 999999,
      host: 'elsewhere',
      startedAt: '2026-01-01T00:00:00.000Z',
      stopped: [],
      swaps: [{ target: hostPath, staging, previous: `${hostPath}.pre-restore-20260101T000000Z` }],
    };
    await writeFile(join(locks, 'interrupted-operation.json'), `${JSON.stringify(journal)}\n`);
    const next = await run(['backup', 'create', '--volume', 'nginx_config']);
    expect(next.stderr).toMatch(/an interrupted restore .* repairing it now/);
    expect(next.stderr).toContain(`removed the unfinished restore copy ${staging}`);
    expect(next.stderr).not.toMatch(/unshare/);
    expect(await exists(staging)).toBe(false);
    expect(await exists(join(locks, 'interrupted-operation.json'))).toBe(false);
    expect(await helpersLeft()).toBe('');
  }, 120_000);
});
