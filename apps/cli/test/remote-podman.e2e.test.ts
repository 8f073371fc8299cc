// podman machine's situation on this Linux host: the CLI talks to a rootless `podman system service`
// through CONTAINER_HOST, so podman is a remote client and `podman unshare` cannot run. Commands that
// need the user namespace refuse up front (exit 2, nothing created); read-only ones keep working.
import { type ChildProcess, spawn } from 'node:child_process';
import { access, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, isolatedProjectDir } from './cli-harness.ts';

const project = `phx-remote-${process.pid}`;
const base = join(homedir(), '.local/share', project);
const socket = join(tmpdir(), `${project}.sock`);
const remote = { CONTAINER_HOST: `unix://${socket}` };
let service: ChildProcess | undefined;
let cwd = '';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function projectVolumes(): Promise<string[]> {
  const r = await execa('podman', [
    'volume',
    'ls',
    '--format',
    '{{.Name}}',
    '--filter',
    `label=io.podman.compose.project=${project}`,
  ]);
  const named = await execa('podman', ['volume', 'ls', '--format', '{{.Name}}']);
  const names = [
    ...r.stdout.split('\n'),
    ...named.stdout.split('\n').filter((n) => n.startsWith(`${project}_`)),
  ];
  return [...new Set(names)].filter((n) => n !== '').sort();
}

beforeAll(async () => {
  cwd = await isolatedProjectDir(project, 18000 + (process.pid % 1000));
  service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await exists(socket)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await exists(socket))) throw new Error(`podman system service did not create ${socket}`);
});

afterAll(async () => {
  if (service?.exitCode === null) {
    const exited = new Promise((r) => service?.once('exit', r));
    service.kill('SIGTERM');
    await exited;
  }
  await rm(socket, { force: true });
  await rm(dirname(cwd), { recursive: true, force: true });
  await rm(base, { recursive: true, force: true }); // only if a failing setup created it
});

describe('through a remote podman client (CONTAINER_HOST)', () => {
  it('is what podman says it is: a client of a server, refusing podman unshare', async () => {
    const version = await execa('podman', ['version', '--format', 'json'], { env: remote });
    expect(JSON.parse(version.stdout)).toHaveProperty('Server');
    const unshare = await execa('podman', ['unshare', 'true'], { env: remote, reject: false });
    expect(unshare.exitCode).toBe(125);
  });

  it('setup refuses before changing anything: exit 2, one line naming what is missing, and the way out', async () => {
    const r = await cli(['setup'], { cwd, env: remote });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^error: setup needs podman's user namespace \(podman unshare\), which a remote podman client cannot enter \(CONTAINER_HOST=unix:\/\/.*\)$/m,
    );
    expect(r.stderr).toMatch(/^hint: .*podman machine ssh/m);
    expect(r.stderr).not.toMatch(/Error: cannot use command/);
    expect(await exists(base)).toBe(false);
    expect(await projectVolumes()).toEqual([]);
    // --dry-run only reads: it still prints the plan.
    const dry = await cli(['setup', '--dry-run'], { cwd, env: remote });
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toMatch(/^Plan for /m);
  });

  it('every other command that needs the namespace refuses the same way, with a stable code in --json', async () => {
    for (const args of [
      ['backup', 'create'],
      ['restore', 'x'],
      ['cleanup', '--yes'],
      ['adopt', '--yes'],
      ['logs', 'rotate'],
      ['nginx', 'deploy', cwd],
      ['doctor', '--fix', '--yes'],
    ]) {
      const r = await cli([...args, '--json'], { cwd, env: remote });
      expect({ args, exitCode: r.exitCode }).toEqual({ args, exitCode: 2 });
      expect(JSON.parse(r.stderr.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
        error: { code: 'PODMAN_REMOTE_UNSUPPORTED' },
      });
    }
    expect(await exists(base)).toBe(false);
  });

  it('config, status and doctor keep working, and doctor offers no fix it cannot apply', async () => {
    const config = await cli(['config'], { cwd, env: remote });
    expect(config.exitCode).toBe(0);
    const status = await cli(['status', '--json'], { cwd, env: remote });
    expect(status.exitCode, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ project });
    // As on macOS and Windows, the client has no subuid/subgid files: the machine's maps count.
    const noSubid = {
      PHOENIX_SUBUID_FILE: '/nonexistent/subuid',
      PHOENIX_SUBGID_FILE: '/nonexistent/subgid',
    };
    const doctor = await cli(['doctor'], { cwd, env: { ...remote, ...noSubid } });
    expect(doctor.exitCode, doctor.stderr).toBe(1); // nothing is set up: findings, not a crash
    expect(doctor.stdout).toMatch(/PHX-/);
    expect(doctor.stdout).not.toMatch(/doctor --fix does this|doctor --fix can apply/);
    expect(doctor.stdout).toMatch(/podman machine ssh/);
    expect(doctor.stdout).not.toMatch(/PHX-SUBID|PHX-UIDMAP|SUBID_MISSING/);
  });
});
