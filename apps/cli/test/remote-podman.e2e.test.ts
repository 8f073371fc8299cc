// podman machine's situation on this Linux host: the CLI talks to a rootless `podman system service`
// through CONTAINER_HOST, so podman is a remote client and `podman unshare` cannot run. setup works in
// helper containers through the named volumes; the restic options (--repo, --offsite), which still need the
// user namespace, refuse up front (exit 2, nothing created); read-only ones keep working.
import { type ChildProcess, spawn } from 'node:child_process';
import { access, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cli, isolatedProjectDir } from '@phoenix-hydra/e2e/cli-harness';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const project = `phx-remote-${process.pid}`;
const base = join(homedir(), '.local/share', project);
const socket = join(tmpdir(), `${project}.sock`);
const remote = { CONTAINER_HOST: `unix://${socket}` };
let service: ChildProcess | undefined;
let cwd = '';
// As the issue asks: a podman on PATH that fails on any `unshare`, so nothing can quietly fall back to it.
let noUnshare: Record<string, string> = {};
const backups = join(tmpdir(), `${project}-backups`);

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
  const real = (await execa('sh', ['-c', 'command -v podman'])).stdout.trim();
  const wrapper = await mkdtemp(join(tmpdir(), `${project}-bin-`));
  await writeFile(
    join(wrapper, 'podman'),
    `#!/bin/sh\nif [ "$1" = unshare ]; then echo "test wrapper: podman unshare refused" >&2; exit 125; fi\nexec ${real} "$@"\n`,
  );
  await chmod(join(wrapper, 'podman'), 0o755);
  noUnshare = { ...remote, PATH: `${wrapper}:${process.env.PATH}` };
});

afterAll(async () => {
  if (service?.exitCode === null) {
    const exited = new Promise((r) => service?.once('exit', r));
    service.kill('SIGTERM');
    await exited;
  }
  await execa('podman-compose', ['-f', join(cwd, 'podman-compose.yaml'), 'down'], { cwd, reject: false });
  await execa('podman', ['network', 'rm', `${project}_default`], { reject: false });
  await rm(socket, { force: true });
  await rm(backups, { recursive: true, force: true });
  if (noUnshare.PATH) await rm(noUnshare.PATH.split(':')[0] as string, { recursive: true, force: true });
  // setup made the volumes and gave their trees to container users: removed through podman unshare.
  for (const name of await projectVolumes())
    await execa('podman', ['volume', 'rm', '--force', name], { reject: false });
  await execa('podman', ['unshare', 'rm', '-rf', '--', base], { reject: false });
  await rm(dirname(cwd), { recursive: true, force: true });
});

describe('through a remote podman client (CONTAINER_HOST)', () => {
  it('is what podman says it is: a client of a server, refusing podman unshare', async () => {
    const version = await execa('podman', ['version', '--format', 'json'], { env: remote });
    expect(JSON.parse(version.stdout)).toHaveProperty('Server');
    const unshare = await execa('podman', ['unshare', 'true'], { env: remote, reject: false });
    expect(unshare.exitCode).toBe(125);
  });

  it('setup --dry-run through the remote podman prints the plan and changes nothing', async () => {
    const dry = await cli(['setup', '--dry-run'], { cwd, env: remote });
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^Plan for /m);
    expect(dry.stdout).toMatch(/give .*db_data to 999:999 \(host \d+:\d+\) via a helper container/);
    expect(await exists(base)).toBe(false);
    expect(await projectVolumes()).toEqual([]);
  });

  it('the commands that still need the namespace refuse, with a stable code in --json', async () => {
    for (const args of [
      ['restore', 'x', '--repo', '/nonexistent/restic'],
      ['backup', 'create', '--offsite'],
    ]) {
      const r = await cli([...args, '--json'], { cwd, env: remote });
      expect({ args, exitCode: r.exitCode }).toEqual({ args, exitCode: 2 });
      expect(r.stderr).toMatch(
        /needs podman's user namespace \(podman unshare\), which a remote podman client cannot enter/,
      );
      expect(JSON.parse(r.stderr.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
        error: { code: 'PODMAN_REMOTE_UNSUPPORTED' },
      });
    }
    expect(await exists(base)).toBe(false);
  });

  it('config, status and doctor keep working', async () => {
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
    expect(doctor.stdout).toMatch(/doctor --fix can apply/); // its fixes run in helper containers remotely
    expect(doctor.stdout).not.toMatch(/PHX-SUBID|PHX-UIDMAP|SUBID_MISSING/);
  });

  it('setup works through the remote podman: owners and modes as a container sees them, idempotent, postgres initialises on it', async () => {
    const started = performance.now();
    const first = await cli(['setup'], { cwd, env: remote });
    const firstMs = performance.now() - started;
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Done: \d+ changes applied/);
    expect(first.stderr).not.toMatch(/unshare/);
    expect(await projectVolumes()).toEqual([
      `${project}_db_data`,
      `${project}_logs`,
      `${project}_nginx_config`,
    ]);

    // As a container sees each volume (mounted by name, as podman-compose will).
    const seen = async (volume: string, path = '/d') => {
      const mount = `${project}_${volume}:/d`;
      const r = await execa(
        'podman',
        ['run', '--rm', '--network=none', `--volume=${mount}`, 'postgres:15', 'stat', '-c', '%u:%g %a', path],
        {
          env: remote,
        },
      );
      return r.stdout.trim();
    };
    expect(await seen('db_data')).toBe('999:999 700');
    expect(await seen('nginx_config')).toMatch(/^101:101 7[05]5$/);
    expect(await seen('nginx_config', '/d/default.conf')).toBe('0:0 644');
    expect(await seen('logs')).toBe('0:0 755'); // nginx runs as root in the design: its logs stay root's

    const again = performance.now();
    const second = await cli(['setup', '--json'], { cwd, env: remote });
    const secondMs = performance.now() - again;
    expect(second.exitCode, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ changed: false, actions: [] });
    // The same verdict from this machine's own view (podman unshare): nothing left to do.
    const local = await cli(['setup', '--json'], { cwd });
    expect(JSON.parse(local.stdout)).toMatchObject({ changed: false, actions: [] });
    console.info(
      `remote setup: first ${Math.round(firstMs)} ms, second (no changes) ${Math.round(secondMs)} ms`,
    );

    const db = `${project}_db_probe`;
    try {
      const run = await execa(
        'podman',
        [
          'run',
          '-d',
          '--name',
          db,
          '--pull',
          'never',
          '--network',
          'none',
          '--user',
          '999:999',
          '-e',
          'POSTGRES_PASSWORD=x',
          '-v',
          `${project}_db_data:/var/lib/postgresql/data`,
          'postgres:15',
        ],
        { env: remote, reject: false },
      );
      expect(run.exitCode, run.stderr).toBe(0);
      let logs = '';
      for (
        let i = 0;
        i < 120 && !/database system is ready to accept connections[\s\S]*ready to accept/.test(logs);
        i++
      ) {
        await new Promise((r) => setTimeout(r, 500));
        logs = (await execa('podman', ['logs', db], { env: remote, reject: false, all: true })).all ?? '';
      }
      expect(logs).toMatch(/PostgreSQL init process complete; ready for start up/);
      expect(await seen('db_data', '/d/PG_VERSION')).toMatch(/^999:999 6\d\d$/);
    } finally {
      await execa('podman', ['rm', '--force', '--time', '0', db], { env: remote, reject: false });
    }
  });

  it('the life cycle through the remote podman: compose up, check, doctor, live backup, restore (rows back, owners kept)', async () => {
    // podman unshare refused by the PATH wrapper, and no subuid/subgid files on the client (macOS, Windows).
    const env = {
      ...noUnshare,
      PHOENIX_SUBUID_FILE: '/nonexistent/subuid',
      PHOENIX_SUBGID_FILE: '/nonexistent/subgid',
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const compose = (...args: string[]) =>
      execa('podman-compose', ['-f', join(cwd, 'podman-compose.yaml'), ...args], {
        cwd,
        env,
        reject: false,
        all: true,
      });
    const psql = async (sql: string) =>
      (
        await execa(
          'podman',
          ['exec', `${project}_db_1`, 'psql', '-q', '-U', 'phoenix', '-d', 'phoenix_hydra', '-tAc', sql],
          {
            env,
            reject: false,
          },
        )
      ).stdout.trim();
    /** COMMAND as root in a container of IMAGE with VOLUME at /d, through the remote podman. */
    const asRoot = (volume: string, image: string, ...command: string[]) =>
      execa(
        'podman',
        [
          'run',
          '--rm',
          '--network=none',
          '--user=0:0',
          `--volume=${project}_${volume}:/d`,
          image,
          ...command,
        ],
        {
          env,
        },
      );
    // The setup test's probe initialised db_data as another database: empty it.
    await asRoot('db_data', 'postgres:15', 'find', '/d', '-mindepth', '1', '-delete');
    const up = await compose('up', '-d');
    expect(up.exitCode, up.all).toBe(0);
    for (let i = 0; i < 180 && (await psql('select 1')) !== '1'; i++)
      await new Promise((r) => setTimeout(r, 500));
    await psql('create table rows(id int primary key, note text)');
    await psql("insert into rows select g, 'row ' || g from generate_series(1, 1000) g");
    expect(await psql('select count(*) from rows')).toBe('1000');

    const check = await cli(['check'], { cwd, env });
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    const doctor = await cli(['doctor'], { cwd, env });
    expect(doctor.exitCode, doctor.stdout + doctor.stderr).not.toBe(2);
    expect(doctor.stderr).not.toMatch(/unshare/);

    // Live: the database is dumped with pg_dump through podman exec, the other volumes stream out of helpers.
    const created = await cli(['backup', 'create', '--to', backups, '--json'], { cwd, env });
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stderr).not.toMatch(/unshare/);
    const manifest = JSON.parse(created.stdout);
    expect(manifest.volumes.map((v: { name: string; strategy: string }) => [v.name, v.strategy])).toEqual([
      ['db_data', 'postgres-logical'],
      ['nginx_config', 'archive'],
      ['logs', 'archive'],
    ]);
    expect(manifest.volumes[1].entries).toBeGreaterThanOrEqual(2); // the root and default.conf
    const helpers = await execa(
      'podman',
      ['ps', '-a', '--filter', 'label=io.phoenix-hydra.helper=1', '--format', '{{.Names}}'],
      { env },
    );
    expect(helpers.stdout.trim()).toBe('');
    // The same kind of artifact a local backup is: verify reads it, and so does a local restore.
    const verify = await cli(['backup', 'verify', manifest.id, '--from', backups], { cwd, env });
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    const local = await cli(['backup', 'create', '--to', backups, '--json'], { cwd });
    expect(local.exitCode, local.stderr).toBe(0);
    const archived = (m: { volumes: { name: string; entryListSha256: string | null; bytes: number }[] }) =>
      m.volumes.filter((v) => v.name === 'nginx_config').map((v) => v.bytes);
    expect(archived(manifest)).toEqual(archived(JSON.parse(local.stdout)));

    // Restore through the remote podman: the dump into the running database, the archives by a helper
    // on the machine (staged, swapped, the old data kept beside), nginx stopped and started again.
    await psql('delete from rows where id > 10');
    expect(await psql('select count(*) from rows')).toBe('10');
    await asRoot('nginx_config', 'nginx:stable', 'sh', '-c', 'echo broken > /d/default.conf && chown 0:0 /d');
    const restored = await cli(['restore', manifest.id, '--from', backups, '--yes', '--stop'], { cwd, env });
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restored.stderr).not.toMatch(/unshare/);
    expect(restored.stdout).toMatch(
      /restored nginx_config into .*\n {2}the previous data is kept in .*nginx_config\.pre-restore-/,
    );
    for (let i = 0; i < 120 && (await psql('select 1')) !== '1'; i++)
      await new Promise((r) => setTimeout(r, 500));
    expect(await psql('select count(*) from rows')).toBe('1000');
    const seen = async (volume: string, command: string) =>
      (await asRoot(volume, 'nginx:stable', 'sh', '-c', command)).stdout.trim();
    expect(await seen('nginx_config', 'stat -c "%u:%g %a" /d /d/default.conf')).toMatch(
      /^101:101 7[05]5\n0:0 644$/,
    );
    expect(await seen('nginx_config', 'cat /d/default.conf')).not.toBe('broken');
    expect(await seen('db_data', 'stat -c "%u:%g %a" /d')).toBe('999:999 700');
    const nginx = await execa('podman', ['inspect', '--format', '{{.State.Running}}', `${project}_nginx_1`], {
      env,
    });
    expect(nginx.stdout.trim()).toBe('true');
    const left = await execa(
      'podman',
      ['ps', '-a', '--filter', 'label=io.phoenix-hydra.helper=1', '--format', '{{.Names}}'],
      { env },
    );
    expect(left.stdout.trim()).toBe('');

    // Costs: five runs each way of the same stack (restores of the archived volumes, nginx stopped for them).
    const timed = async (args: string[], extra: Record<string, string> | undefined) => {
      const ms: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const r = await cli(args, { cwd, ...(extra ? { env: extra } : {}) });
        ms.push(performance.now() - t);
        expect(r.exitCode, r.stderr).toBe(0);
        await new Promise((resolve) => setTimeout(resolve, 1100)); // kept copies are named by the second
      }
      return Math.round(median(ms));
    };
    const create = ['backup', 'create', '--to', backups];
    const restore = [
      'restore',
      manifest.id,
      '--from',
      backups,
      '--yes',
      '--stop',
      '--volume',
      'nginx_config',
      '--volume',
      'logs',
    ];
    console.info(
      `backup create median of 5: remote ${await timed(create, env)} ms, local ${await timed(create, undefined)} ms`,
    );
    console.info(
      `restore median of 5: remote ${await timed(restore, env)} ms, local ${await timed(restore, undefined)} ms`,
    );
  }, 420_000);
});
