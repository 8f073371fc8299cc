// The day-to-day repairs through a remote podman (podman machine's situation on this Linux host: a rootless
// `podman system service` reached through CONTAINER_HOST). A `podman` wrapper first on PATH exits 125 on
// any `unshare`, so nothing reaches the volumes except through helper containers and named volumes.
import { type ChildProcess, spawn } from 'node:child_process';
import { access, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cli, isolatedProjectDir } from '@phoenix-hydra/e2e/cli-harness';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const project = `phx-rops-${process.pid}`;
const base = join(homedir(), '.local/share', project);
const socket = join(tmpdir(), `${project}.sock`);
let env: Record<string, string> = {};
let wrapperDir = '';
let service: ChildProcess | undefined;
let cwd = '';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** The podman every CLI call here finds first: the real one, except that `unshare` fails as remotely. */
const WRAPPER = `#!/bin/sh
for a in "$@"; do
  if [ "$a" = unshare ]; then echo "test wrapper: podman unshare refused" >&2; exit 125; fi
done
exec /usr/bin/podman "$@"
`;

/** Owner and mode of a path in a volume, as a container mounting the named volume sees them. */
async function seen(volume: string, path = '/d'): Promise<string> {
  const r = await execa(
    'podman',
    [
      'run',
      '--rm',
      '--network=none',
      `--volume=${project}_${volume}:/d`,
      'postgres:15',
      'stat',
      '-c',
      '%u:%g %a',
      path,
    ],
    { env },
  );
  return r.stdout.trim();
}

beforeAll(async () => {
  cwd = await isolatedProjectDir(project, 18500 + (process.pid % 1000));
  wrapperDir = await mkdtemp(join(tmpdir(), 'phx-rops-bin-'));
  await writeFile(join(wrapperDir, 'podman'), WRAPPER);
  await chmod(join(wrapperDir, 'podman'), 0o755);
  env = { CONTAINER_HOST: `unix://${socket}`, PATH: `${wrapperDir}:${process.env.PATH ?? ''}` };
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
  const named = await execa('podman', ['volume', 'ls', '--format', '{{.Name}}'], { reject: false });
  for (const name of named.stdout.split('\n').filter((n) => n.startsWith(`${project}_`)))
    await execa('podman', ['volume', 'rm', '--force', name], { reject: false });
  await execa('podman', ['unshare', 'rm', '-rf', '--', base], { reject: false });
  await rm(dirname(cwd), { recursive: true, force: true });
  await rm(wrapperDir, { recursive: true, force: true });
});

describe('repairs through a remote podman, with podman unshare impossible', () => {
  it('the wrapper refuses unshare as a remote client does', async () => {
    const r = await execa('podman', ['unshare', 'true'], { env, reject: false });
    expect(r.exitCode).toBe(125);
  });

  it('doctor --fix gives a broken volume back to its service user through a helper container', async () => {
    const setup = await cli(['setup'], { cwd, env });
    expect(setup.exitCode, setup.stderr).toBe(0);
    // Someone chowned the database directory to root (as the container sees it).
    await execa(
      'podman',
      [
        'run',
        '--rm',
        '--network=none',
        '--user=0:0',
        `--volume=${project}_db_data:/d`,
        'postgres:15',
        'chown',
        '-R',
        '0:0',
        '/d',
      ],
      { env },
    );
    expect(await seen('db_data')).toBe('0:0 700');

    const look = await cli(['doctor'], { cwd, env });
    expect(look.stdout).toMatch(/PHX-OWNER-001/);
    expect(look.stdout).toMatch(/doctor --fix does this/);
    // What it cannot read remotely it says plainly, never with podman's raw refusal.
    expect(look.stdout).not.toMatch(/cannot use command|test wrapper|PHX-DOCTOR-002/);

    const started = performance.now();
    const fixed = await cli(['doctor', '--fix', '--yes'], { cwd, env });
    const fixMs = performance.now() - started;
    expect(fixed.stdout + fixed.stderr).toMatch(/chown -R 999:999 .*db_data in a helper container/);
    expect(fixed.stderr).not.toMatch(/fix failed|unshare/);
    expect(await seen('db_data')).toBe('999:999 700');
    const after = await cli(['doctor', '--json'], { cwd, env });
    const report = JSON.parse(after.stdout) as { findings: { check: string; status: string }[] };
    expect(report.findings.filter((f) => f.check === 'PHX-OWNER-001' && f.status === 'fail')).toEqual([]);
    console.info(`remote doctor --fix (one owner): ${Math.round(fixMs)} ms`);
  });
});
