// As a fresh rootless user: the original scripts' layout fails check; setup fixes it; podman-compose
// then runs postgres as 999:999 on the host directory; breaking one thing at a time fails check with the
// right message; cleanup --yes --stop leaves nothing behind.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE } from '@phoenix-hydra/backup';
import { lockDir } from '@phoenix-hydra/core';
import { cli, designProjectDir, repoRoot } from '@phoenix-hydra/e2e/cli-harness';
import { stackTools } from '@phoenix-hydra/e2e/stack-tools';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const base = join(homedir(), '.local/share/phoenix-hydra');
const project = 'phoenix-hydra';
let cwd = '';

const { podman, unshare, compose, psql, waitFor } = stackTools(
  project,
  () => cwd,
  () => ({}),
);

interface Result {
  check: string;
  volume: string;
  status: string;
  message: string;
  hint?: string;
}
async function check(): Promise<{ exitCode: number; results: Result[] }> {
  const r = await cli(['check', '--json'], { cwd });
  return { exitCode: r.exitCode ?? -1, results: JSON.parse(r.stdout).results };
}
function failing(results: Result[]): string[] {
  return results.filter((r) => r.status === 'fail').map((r) => `${r.volume}:${r.check}`);
}

beforeAll(async () => {
  cwd = await designProjectDir();
  await cli(['cleanup', '--yes', '--stop'], { cwd }); // leftovers of an earlier, interrupted run
});

afterAll(async () => {
  await compose('down');
  await cli(['cleanup', '--yes', '--stop'], { cwd });
});

describe('setup, check and cleanup on real rootless podman', () => {
  it("shows that the original scripts' layout is wrong and why", async () => {
    // What setup-volumes.sh did: host-owned directories, 700 for the database, volumes left to podman-compose.
    for (const [name, mode] of [
      ['db_data', '700'],
      ['nginx_config', '755'],
      ['logs', '755'],
    ] as const) {
      await execa('mkdir', ['-p', '-m', mode, join(base, name)]);
    }
    const { exitCode, results } = await check();
    expect(exitCode).toBe(1);
    const owner = results.find((r) => r.volume === 'db_data' && r.check === 'owner');
    expect(owner?.status).toBe('fail');
    expect(owner?.message).toMatch(/is owned by 0:0 in the container \(host \d+:\d+\); db runs as 999:999/);
    const probe = results.find((r) => r.volume === 'db_data' && r.check === 'write-probe');
    expect(probe?.status).toBe('fail');
    expect(probe?.message).toMatch(/Permission denied/);
    const named = results.find((r) => r.volume === 'db_data' && r.check === 'named-volume');
    expect(named?.message).toMatch(/podman-compose 1\.0\.3 would create it without the bind options/);
  });

  it('setup plans, applies, and a second run changes nothing', async () => {
    const dry = await cli(['setup', '--dry-run'], { cwd });
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toMatch(/give .*db_data to 999:999 \(host \d+:\d+\)/);
    expect(dry.stdout).toMatch(/Dry run: nothing was changed/);
    expect((await podman('volume', 'exists', `${project}_db_data`)).exitCode).toBe(1);

    const first = await cli(['setup'], { cwd });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Done: \d+ changes applied/);
    const second = await cli(['setup', '--json'], { cwd });
    expect(second.exitCode).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ changed: false, actions: [] });

    const { exitCode, results } = await check();
    expect(failing(results)).toEqual([]);
    expect(exitCode).toBe(0);
  });

  // Each breakage: what fails (the check that names the cause first), and that check's message.
  const breakages: [string, () => Promise<unknown>, string[], RegExp][] = [
    [
      'a wrong mode',
      () => unshare('chmod', '0755', join(base, 'db_data')),
      ['db_data:mode'],
      /has mode 0755, expected 0700/,
    ],
    [
      'a wrong owner',
      () => unshare('chown', '0:0', join(base, 'db_data')),
      ['db_data:owner', 'db_data:write-probe'],
      /is owned by 0:0 in the container \(host \d+:\d+\); db runs as 999:999/,
    ],
    [
      'a missing default.conf',
      () => unshare('rm', join(base, 'nginx_config/default.conf')),
      ['nginx_config:default-conf'],
      /default\.conf is missing/,
    ],
    [
      'a named volume pointing elsewhere',
      async () => {
        await podman('volume', 'rm', `${project}_logs`);
        await podman('volume', 'create', `${project}_logs`);
      },
      ['logs:named-volume'],
      /keeps its data in podman's own storage/,
    ],
  ];
  it.each(breakages)('fails check on %s, and setup repairs it', async (_what, breakIt, ids, message) => {
    await breakIt();
    const { exitCode, results } = await check();
    expect(exitCode).toBe(1);
    expect(failing(results)).toEqual(ids);
    const id = ids[0] ?? '';
    const [volume, name] = id.split(':');
    expect(results.find((r) => r.volume === volume && r.check === name)?.message).toMatch(message);
    if (id === 'logs:named-volume') {
      const refused = await cli(['setup'], { cwd });
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(
        /named volume phoenix-hydra_logs already exists and keeps its data in podman's own storage/,
      );
      expect(refused.stderr).toMatch(/hint: .*podman volume rm phoenix-hydra_logs/);
      await podman('volume', 'rm', `${project}_logs`);
    }
    expect((await cli(['setup'], { cwd })).exitCode).toBe(0);
    expect(failing((await check()).results)).toEqual([]);
  });

  it('podman-compose up runs postgres as 999:999 with its data on the host, nginx reading its config', async () => {
    const up = await compose('up', '-d');
    expect(up.exitCode, up.all).toBe(0);
    await waitFor(
      'postgres',
      async () => (await podman('exec', `${project}_db_1`, 'pg_isready', '-h', '127.0.0.1')).exitCode === 0,
    );
    const id = await podman('exec', `${project}_db_1`, 'id', '-u');
    expect(id.stdout.trim()).toBe('999');
    const sum = await psql(
      'create table if not exists t(x int); insert into t values (42); select sum(x) from t',
    );
    expect(sum).toBe('42');
    // The data is on the host path, owned by 999 as the container sees it.
    const [pgVersion] = (await unshare('stat', '-c', '%u:%g', join(base, 'db_data/PG_VERSION'))).stdout.split(
      '\n',
    );
    expect(pgVersion).toBe('999:999');
    const volume = JSON.parse((await podman('volume', 'inspect', `${project}_db_data`)).stdout);
    expect(volume[0].Options.device).toBe(join(base, 'db_data'));
    // nginx serves the seeded default.conf from the read-only volume.
    await waitFor(
      'nginx',
      async () => (await fetch('http://127.0.0.1:8080/healthz').catch(() => null))?.ok === true,
    );
    const write = await podman('exec', `${project}_nginx_1`, 'touch', '/etc/nginx/conf.d/x');
    expect(write.stderr).toMatch(/Read-only file system/);
    // podman chowns a volume to the container's user on its first mount; setup primed each volume as
    // its owner, so nginx (root) did not take nginx_config from 101:101 and check still passes.
    expect(failing((await check()).results)).toEqual([]);
  });

  it('cleanup waits for no one: while a backup holds the project lock it refuses and deletes nothing', async () => {
    // A second process holds the lock as `backup create` does (same directory, same file).
    const holder = execa(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { acquireLock } from '@phoenix-hydra/backup';
         import { lockDir } from '@phoenix-hydra/core';
         await acquireLock(lockDir(${JSON.stringify(project)}), { operation: 'backup' });
         process.stdout.write('held\\n');
         setInterval(() => {}, 1000);`,
      ],
      { cwd: join(repoRoot, 'apps/cli'), reject: false },
    );
    try {
      await new Promise((resolve) => holder.stdout?.once('data', resolve));
      const refused = await cli(['cleanup', '--yes', '--stop', '--no-backup'], { cwd });
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(
        new RegExp(`another backup \\(pid ${holder.pid}, started .*\\) is running`),
      );
      expect((await stat(join(base, 'nginx_config'))).isDirectory()).toBe(true);
      expect((await podman('container', 'exists', `${project}_db_1`)).exitCode).toBe(0);
    } finally {
      holder.kill('SIGKILL');
      await holder;
    }
  });

  it('cleanup refuses while containers use the volumes, then --yes --stop removes everything, holding the lock throughout', async () => {
    // What a remote backup killed with SIGKILL leaves: its stopped helper, still mounting db_data, with the
    // volume podman made for the postgres image's VOLUME. It is ours: removed with that volume, never asked about.
    const helper = `phoenix-helper-left-${process.pid}`;
    const made = await podman(
      'create',
      '--name',
      helper,
      '--label',
      'io.phoenix-hydra.helper=1',
      '--volume',
      `${project}_db_data:/v`,
      'docker.io/library/postgres:15',
      'true',
    );
    expect(made.exitCode, made.stderr).toBe(0);
    const mounts = await podman('inspect', '--format', '{{range .Mounts}}{{.Name}} {{end}}', helper);
    const anonymous = mounts.stdout.split(' ').find((name) => /^[0-9a-f]{64}$/.test(name));
    expect(anonymous, mounts.stdout).toBeDefined();

    const refused = await cli(['cleanup', '--yes'], { cwd });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/in use by phoenix-hydra_db_1/);
    expect(refused.stderr).not.toMatch(new RegExp(helper));
    expect(refused.stdout).toMatch(
      new RegExp(`helper container ${helper} \\(stopped, left by an interrupted command\\)`),
    );
    expect(refused.stderr).toMatch(/hint: .*--stop/);
    expect((await stat(join(base, 'nginx_config'))).isDirectory()).toBe(true);

    const backups = await mkdtemp(join(tmpdir(), 'phx-cleanup-backups-'));
    let exited = false;
    const cleanup = cli(['cleanup', '--yes', '--stop', '--to', backups], { cwd });
    void cleanup.finally(() => {
      exited = true;
    });
    // While it stops, backs up and removes, a backup started beside it is refused, naming it.
    const lockFile = join(lockDir(project), LOCK_FILE);
    let holder: { operation: string; pid: number } | null = null;
    while (!exited && holder?.operation !== 'cleanup') {
      holder = await readFile(lockFile, 'utf8').then(
        (text) => JSON.parse(text),
        () => null,
      );
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(holder, 'cleanup never held the project lock').toMatchObject({ operation: 'cleanup' });
    const beside = await cli(['backup', 'create', '--to', backups], { cwd });
    expect(beside.exitCode).toBe(1);
    expect(beside.stderr).toMatch(
      new RegExp(`another cleanup \\(pid ${holder?.pid}, started .*\\) is running`),
    );

    const done = await cleanup;
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/Removed 3 volumes, freed/);
    expect(done.stderr).toMatch(
      new RegExp(`removing helper container ${helper} .* and its anonymous volumes`),
    );
    expect((await podman('container', 'exists', helper)).exitCode).toBe(1);
    expect((await podman('volume', 'exists', anonymous ?? '')).exitCode).toBe(1);
    expect(done.stdout).toMatch(/Safety backup \S+ kept/);
    await expect(stat(base)).rejects.toThrow(/ENOENT/);
    await expect(stat(lockFile)).rejects.toThrow(/ENOENT/); // released
    for (const name of ['db_data', 'nginx_config', 'logs']) {
      expect((await podman('volume', 'exists', `${project}_${name}`)).exitCode).toBe(1);
    }
    await rm(backups, { recursive: true, force: true });
  });
});
