// The day-to-day repairs through a remote podman (podman machine's situation on this Linux host: a rootless
// `podman system service` reached through CONTAINER_HOST). A `podman` wrapper first on PATH exits 125 on
// any `unshare`, so nothing reaches the volumes except through helper containers and named volumes.
import { type ChildProcess, spawn } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cli, isolatedProjectDir } from '@phoenix-hydra/e2e/cli-harness';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const project = `phx-rops-${process.pid}`;
const port = 18500 + (process.pid % 1000);
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

/** The wrapper, and like podman machine it cannot see this computer's temporary directory: such a bind fails. */
const NO_CLIENT_TMP = `#!/bin/sh
prev=
for a in "$@"; do
  if [ "$a" = unshare ]; then echo "test wrapper: podman unshare refused" >&2; exit 125; fi
  case "$prev" in -v|--volume) case "$a" in ${tmpdir()}/*) echo "Error: statfs \${a%%:*}: no such file or directory" >&2; exit 125 ;; esac ;; esac
  prev=$a
done
exec /usr/bin/podman "$@"
`;

/** A command in a throwaway root container with a volume at /d, through the remote podman. */
async function inVolume(volume: string, argv: readonly string[]): Promise<string> {
  const mount = `--volume=${project}_${volume}:/d`;
  const r = await execa(
    'podman',
    ['run', '--rm', '--network=none', '--user=0:0', mount, 'postgres:15', ...argv],
    {
      env,
    },
  );
  return r.stdout.trim();
}

/** Owner and mode of a path in a volume, as a container mounting the named volume sees them. */
const seen = (volume: string, path = '/d') => inVolume(volume, ['stat', '-c', '%u:%g %a', path]);

beforeAll(async () => {
  cwd = await isolatedProjectDir(project, port);
  wrapperDir = await mkdtemp(join(tmpdir(), 'phx-rops-bin-'));
  await writeFile(join(wrapperDir, 'podman'), WRAPPER);
  await chmod(join(wrapperDir, 'podman'), 0o755);
  env = { CONTAINER_HOST: `unix://${socket}`, PATH: `${wrapperDir}:${process.env.PATH ?? ''}` };
  service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await exists(socket)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await exists(socket))) throw new Error(`podman system service did not create ${socket}`);
});

afterAll(async () => {
  await execa('podman-compose', ['-f', join(cwd, 'podman-compose.yaml'), 'down'], {
    cwd,
    env,
    reject: false,
  });
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
    await inVolume('db_data', ['chown', '-R', '0:0', '/d']);
    expect(await seen('db_data')).toBe('0:0 700');

    const look = await cli(['doctor'], { cwd, env });
    expect(look.stdout).toMatch(/PHX-OWNER-001/);
    expect(look.stdout).toMatch(/doctor --fix does this/);
    // What it cannot read remotely it says plainly, never with podman's raw refusal.
    expect(look.stdout).not.toMatch(/cannot use command|test wrapper|PHX-DOCTOR-002/);

    const started = performance.now();
    const fixed = await cli(['doctor', '--fix', '--yes'], { cwd, env });
    const fixMs = performance.now() - started;
    expect(fixed.stdout + fixed.stderr).toMatch(/chown -R 999:999 .*db_data via a helper container/);
    expect(fixed.stderr).not.toMatch(/fix failed|unshare/);
    expect(await seen('db_data')).toBe('999:999 700');
    const after = await cli(['doctor', '--json'], { cwd, env });
    const report = JSON.parse(after.stdout) as { findings: { check: string; status: string }[] };
    expect(report.findings.filter((f) => f.check === 'PHX-OWNER-001' && f.status === 'fail')).toEqual([]);
    console.info(`remote doctor --fix (one owner): ${Math.round(fixMs)} ms`);
  });

  it('logs rotate copies and truncates a big log in the logs volume, compresses the copy, never follows a link', async () => {
    // nginx's log (2 MiB), and a link planted in the volume pointing at a file of the helper's own image.
    const script = 'head -c 2097152 /dev/zero > /d/access.log && ln -s /etc/passwd /d/evil.log';
    await inVolume('logs', ['sh', '-c', script]);
    const started = performance.now();
    const r = await cli(['logs', 'rotate', '--max-size', '1M', '--json'], { cwd, env });
    const rotateMs = performance.now() - started;
    expect(r.exitCode, r.stderr).toBe(0);
    const [volume] = (
      JSON.parse(r.stdout) as {
        volumes: { rotated: { file: string; to: string; bytes: number }[]; skipped: { file: string }[] }[];
      }
    ).volumes;
    expect(volume?.rotated).toEqual([
      expect.objectContaining({
        file: 'access.log',
        to: expect.stringMatching(/^access\.log\.\d{8}-\d{6}\.zst$/),
        bytes: 2097152,
      }),
    ]);
    // As locally: a link with a log's name is reported whatever its size, and never followed.
    expect(volume?.skipped).toEqual([
      { file: 'evil.log', reason: 'is a symbolic link (links are never followed)' },
    ]);
    const to = volume?.rotated[0]?.to ?? '';
    expect(await seen('logs', '/d/access.log')).toBe('0:0 644');
    const sizes = await inVolume('logs', ['stat', '-c', '%s', '/d/access.log', `/d/${to}`]);
    const [live, stored] = sizes.split('\n').map(Number);
    expect(live).toBe(0);
    expect(stored).toBeGreaterThan(0);
    const again = await cli(['logs', 'rotate', '--max-size', '1M', '--json'], { cwd, env });
    expect(JSON.parse(again.stdout).volumes[0].rotated).toEqual([]);
    console.info(`remote logs rotate (one 2 MiB log): ${Math.round(rotateMs)} ms`);
  });

  it('nginx deploy: nginx serves the new configuration; one nginx -t refuses or that breaks the site leaves the old one serving', async () => {
    const get = async () => {
      const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3000) }).catch(
        () => null,
      );
      return r?.ok ? r.text() : null;
    };
    const config = async (name: string, body: string) => {
      const dir = join(dirname(cwd), name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'default.conf'), body);
      return dir;
    };
    const site = (text: string) =>
      `server {\n  listen 80;\n  location / { default_type text/plain; return 200 "${text}\\n"; }\n}\n`;
    const up = await execa('podman-compose', ['-f', join(cwd, 'podman-compose.yaml'), 'up', '-d', 'nginx'], {
      cwd,
      env,
      reject: false,
      all: true,
    });
    expect(up.exitCode, up.all).toBe(0);
    for (let i = 0; i < 120 && (await get()) === null; i++) await new Promise((r) => setTimeout(r, 500));

    // nginx test FILE stages it on the machine (a temporary volume) as deploy does: a podman that cannot see
    // this computer's temporary directory, as podman machine cannot, still tests it; nothing is left.
    const machineOnly = await mkdtemp(join(tmpdir(), 'phx-rops-machine-'));
    try {
      await writeFile(join(machineOnly, 'podman'), NO_CLIENT_TMP);
      await chmod(join(machineOnly, 'podman'), 0o755);
      const onMachine = { ...env, PATH: `${machineOnly}:${env.PATH}` };
      const alone = join(dirname(cwd), 'alone.conf');
      await writeFile(alone, '# tested alone\n');
      const tested = await cli(['nginx', 'test', alone], { cwd, env: onMachine });
      expect(tested.exitCode, tested.stderr).toBe(0);
      expect(tested.stdout).toMatch(/alone\.conf: valid for /);
      const refused = await cli(['nginx', 'test', await config('bad-test', 'server { nonsense on; }\n')], {
        cwd,
        env: onMachine,
      });
      expect(refused.exitCode, refused.stderr).toBe(1);
      expect(refused.stderr).toMatch(/unknown directive "nonsense".*bad-test\/default\.conf/);
      const live = await cli(['nginx', 'test'], { cwd, env: onMachine });
      expect(live.exitCode, live.stderr).toBe(0);
      const left = await execa('podman', ['volume', 'ls', '--format', '{{.Name}}'], { env });
      expect(left.stdout).not.toMatch(/phoenix-nginx-test/);
    } finally {
      await rm(machineOnly, { recursive: true, force: true });
    }

    let started = performance.now();
    const v1 = await cli(['nginx', 'deploy', await config('v1', site('remote v1')), '--reload'], {
      cwd,
      env,
    });
    const remoteMs = performance.now() - started;
    expect(v1.exitCode, v1.stderr).toBe(0);
    expect(v1.stdout).toMatch(/reloaded .*nginx.*GET http.* → 200/);
    expect(v1.stderr).not.toMatch(/unshare|cannot use command/);
    expect(await get()).toBe('remote v1\n');
    // The replaced files are kept beside the live directory on the machine, as locally, never inside it.
    const live = join(base, 'nginx_config');
    const beside = async (kind: string) =>
      (await readdir(base)).filter((n) => n.startsWith(`nginx_config.${kind}-`));
    expect(await inVolume('nginx_config', ['sh', '-c', 'ls -A /d'])).toBe('default.conf');
    expect(await beside('previous')).toHaveLength(1);

    // A single FILE joins the live files (copied from the volume by a helper), replacing only its namesake.
    const extra = join(dirname(cwd), 'extra.conf');
    await writeFile(extra, '# added alone\n');
    // A deploy killed in the middle of its swap (phase 2: zz.conf not yet moved in) is finished first.
    const [cut, saved] = ['staging-20260101T000000000Z', 'previous-20260101T000000000Z'];
    await mkdir(`${live}.${cut}`);
    await mkdir(`${live}.${saved}`);
    await writeFile(join(`${live}.${cut}`, 'zz.conf'), '# finished\n');
    await writeFile(`${live}.phoenix-swap`, `2 ${cut} ${saved}\n`);
    const one = await cli(['nginx', 'deploy', extra], { cwd, env });
    expect(one.exitCode, one.stderr).toBe(0);
    expect(one.stderr).toMatch(/finished a swap an interrupted deploy began/);
    expect(await inVolume('nginx_config', ['sh', '-c', 'ls /d; cat /d/extra.conf /d/default.conf'])).toBe(
      `default.conf\nextra.conf\nzz.conf\n# added alone\n${site('remote v1').trim()}`,
    );
    expect(await inVolume('nginx_config', ['sh', '-c', 'ls -A /d'])).not.toMatch(/staging|swap/);
    expect((await readdir(base)).filter((n) => /staging|swap/.test(n))).toEqual([]);

    const bad = await cli(
      ['nginx', 'deploy', await config('bad', 'server { listen 80; nonsense on; }\n'), '--reload'],
      {
        cwd,
        env,
      },
    );
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/nginx -t rejected .*unknown directive "nonsense".*bad\/default\.conf/);
    expect(await get()).toBe('remote v1\n');
    // Nothing of it is left: no staging volume, no staging copy, no helper.
    const volumes = await execa('podman', ['volume', 'ls', '--format', '{{.Name}}'], { env });
    expect(volumes.stdout).not.toMatch(/phoenix-nginx-staging/);
    expect(await inVolume('nginx_config', ['sh', '-c', 'ls -A /d'])).not.toMatch(/staging|swap/);
    const helpers = await execa('podman', ['ps', '-a', '--filter', 'label=io.phoenix-hydra.helper=1', '-q'], {
      env,
    });
    expect(helpers.stdout).toBe('');

    // nginx -t passes but the site breaks (it listens on 8081, not the published 80): rolled back by a helper.
    const broken = await config('broken', site('never served').replace('listen 80', 'listen 8081'));
    const back = await cli(['nginx', 'deploy', broken, '--reload'], { cwd, env });
    expect(back.exitCode).toBe(1);
    expect(back.stderr).toMatch(/rolled back to the previous one, which is live again/);
    expect(back.stderr).toMatch(/kept in .*nginx_config\.failed-\d{8}T\d+Z/);
    expect(await get()).toBe('remote v1\n');
    const [failed] = await beside('failed');
    expect(await readFile(join(base, failed ?? 'none', 'default.conf'), 'utf8')).toMatch(/listen 8081/);

    // The same deploy without the remote client (podman unshare on this host), for the cost comparison.
    started = performance.now();
    const local = await cli(['nginx', 'deploy', await config('v2', site('local v2')), '--reload'], { cwd });
    const localMs = performance.now() - started;
    expect(local.exitCode, local.stderr).toBe(0);
    expect(await get()).toBe('local v2\n');
    console.info(`nginx deploy --reload: remote ${Math.round(remoteMs)} ms, local ${Math.round(localMs)} ms`);
  });

  it('cleanup --yes --stop takes a safety backup through helpers, then removes the directories and volumes on the machine', async () => {
    const backups = await mkdtemp(join(tmpdir(), 'phx-rops-backups-'));
    try {
      const started = performance.now();
      const r = await cli(['cleanup', '--yes', '--stop', '--to', backups, '--json'], { cwd, env });
      const cleanupMs = performance.now() - started;
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/unshare|cannot use command/);
      const report = JSON.parse(r.stdout) as {
        removed: { volume: string; bytes: number; namedVolume: string | null }[];
        safetyBackup: string;
      };
      expect(report.removed.map((i) => i.volume).sort()).toEqual(['db_data', 'logs', 'nginx_config']);
      expect(report.removed.find((i) => i.volume === 'logs')?.bytes).toBeGreaterThan(0);
      for (const name of ['db_data', 'logs', 'nginx_config'])
        expect(await exists(join(base, name))).toBe(false);
      const volumes = await execa('podman', ['volume', 'ls', '--format', '{{.Name}}'], { env });
      expect(volumes.stdout.split('\n').filter((n) => n.startsWith(`${project}_`))).toEqual([]);
      const helpers = await execa(
        'podman',
        ['ps', '-a', '--filter', 'label=io.phoenix-hydra.helper=1', '-q'],
        {
          env,
        },
      );
      expect(helpers.stdout).toBe('');
      // The deploys' kept copies (.phoenix-previous-*, .phoenix-failed-*) stay out of the archive: a restore
      // must not bring back configurations long replaced.
      const manifest = JSON.parse(
        await readFile(join(backups, report.safetyBackup, 'manifest.json'), 'utf8'),
      );
      const nginx = manifest.volumes.find((v: { name: string }) => v.name === 'nginx_config');
      const artifact = join(backups, report.safetyBackup, nginx.artifact);
      const listed = await execa('sh', ['-c', 'zstd -dc "$1" | tar -t', 'sh', artifact]);
      expect(listed.stdout).toMatch(/^\.\/default\.conf$/m);
      expect(listed.stdout).not.toMatch(/phoenix-previous|phoenix-failed/);
      // The way back: the safety backup is a complete archive a local verify reads.
      const verify = await cli(['backup', 'verify', report.safetyBackup, '--from', backups], { cwd });
      expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
      console.info(`remote cleanup --yes --stop (safety backup included): ${Math.round(cleanupMs)} ms`);
    } finally {
      await rm(backups, { recursive: true, force: true });
    }
  });
});
