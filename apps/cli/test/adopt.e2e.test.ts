// Data of the original scripts, adopted on real rootless podman: podman-compose 1.0.3 drops the bind
// options, so the database lands in podman's storage and the host directory stays empty. backup
// create refuses that lie; adopt moves the rows onto the host path, where postgres serves them and
// backups see them; a SIGKILL mid-copy leaves the original volume intact and the next run repairs it.
import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { binPath, isolatedProjectDir } from '@phoenix-hydra/e2e/cli-harness';
import { startInOwnGroup, stopAndWatch, writeRandomFile } from '@phoenix-hydra/e2e/process-tree';
import { stackTools } from '@phoenix-hydra/e2e/stack-tools';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const project = 'phx-adopt';
const base = join(homedir(), '.local/share', project);
const hostPath = join(base, 'db_data');
const volume = `${project}_db_data`;
const db = `${project}_db_1`;
let cwd = '';
let env: Record<string, string> = {};

const { run, podman, compose, psql, waitForPostgres, volumeMount, seedOriginalScriptsDb, expectSeededRows } =
  stackTools(
    project,
    () => cwd,
    () => env,
  );
const inspect = () => volumeMount('db_data');
/** Entries and bytes under a directory, read inside the user namespace (postgres's 0700 tree). */
const treeOf = async (dir: string) =>
  (await execa('podman', ['unshare', 'sh', '-c', 'find "$1" | wc -l; du -sb "$1" | cut -f1', 'sh', dir]))
    .stdout;

async function removeAll(): Promise<void> {
  await compose('down');
  for (const name of ['db_data', 'nginx_config', 'logs'])
    await podman('volume', 'rm', '-f', `${project}_${name}`);
  await execa('podman', ['unshare', 'rm', '-rf', base], { reject: false });
}

beforeAll(async () => {
  cwd = await isolatedProjectDir(project, 18097);
  env = { XDG_STATE_HOME: join(cwd, '..', 'state') };
  await removeAll();
  // As the original scripts left it: no setup, podman-compose creates the volumes without bind options.
  await seedOriginalScriptsDb(20000);
  // Enough bytes that the copy takes a while, so a kill lands in the middle of it.
  await writeRandomFile(join((await inspect()).mountpoint, 'zz-filler'), 400);
}, 300_000);

afterAll(removeAll, 120_000);

describe('adopt', () => {
  it('backup create --stop refuses the empty host directory while db mounts the podman-managed volume', async () => {
    const refused = await run(['backup', 'create', '--volume', 'db_data', '--stop']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`${hostPath} is empty, but ${db} mounts podman's own volume ${volume}`);
    expect(refused.stderr).toContain('phoenix-volumes adopt --volume db_data');
  });

  it('a SIGKILL mid-copy leaves the original volume intact, and the next run repairs, then adopts', async () => {
    const before = await treeOf((await inspect()).mountpoint);
    const started = startInOwnGroup([binPath, 'adopt', '--volume', 'db_data', '--yes'], {
      cwd,
      env: { ...process.env, ...env, NO_COLOR: '1' },
    });
    const copying = async () =>
      (await readdir(base).catch(() => [] as string[])).some((n) => n.includes('.adopt-'));
    for (let i = 0; i < 3000 && !(await copying()); i++) {
      if (started.child.exitCode !== null) throw new Error(`adopt exited first:\n${started.stderr()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const stop = {
      name: 'kill -9 of every process',
      signal: 'SIGKILL',
      to: 'each',
      code: null,
      says: /./,
    } as const;
    await stopAndWatch(stop, started);
    expect(started.stderr()).toContain(`copying ${volume}`);
    // The source was only read: same volume, still podman-managed, the same entries (postgres's clean
    // shutdown rewrites a few WAL and control bytes, so bytes are not compared), the filler whole.
    const after = await inspect();
    expect(after.device).toBe('');
    expect((await treeOf(after.mountpoint)).split('\n')[0]).toBe(before.split('\n')[0]);
    const filler = await execa('podman', [
      'unshare',
      'stat',
      '-c',
      '%s',
      join(after.mountpoint, 'zz-filler'),
    ]);
    expect(filler.stdout.trim()).toBe(String(400 * 1024 * 1024));

    const again = await run(['adopt', '--volume', 'db_data', '--yes']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/an interrupted adopt .* repairing it now/);
    expect(again.stderr).toMatch(/removed the unfinished adopt copy/);
    expect(again.stdout).toMatch(
      /adopted db_data into .*: \d+ entries, .* verified, database cluster state "shut down"/,
    );
    expect(again.stdout).toMatch(/old data is kept in .*db_data\.podman-volume-.*podman unshare rm -rf/);
    expect((await readdir(base)).filter((n) => n.includes('.adopt-'))).toEqual([]);
  }, 300_000);

  it('leaves the rows on the host path, served by postgres from there, and backed up', async () => {
    expect((await inspect()).device).toBe(hostPath);
    expect(
      (await execa('podman', ['unshare', 'test', '-f', join(hostPath, 'PG_VERSION')], { reject: false }))
        .exitCode,
    ).toBe(0);
    await waitForPostgres();
    const mounts = (await podman('inspect', db, '--format', '{{range .Mounts}}{{.Name}} {{end}}')).stdout;
    expect(mounts).toContain(volume);
    await expectSeededRows(20000);
    await psql("insert into rows values (20001, 'written after adopt')");
    expect(await treeOf(hostPath)).toMatch(/^\d+\n\d+$/);

    const backup = await run(['backup', 'create', '--volume', 'db_data', '--stop', '--json']);
    expect(backup.exitCode, backup.stderr).toBe(0);
    const manifest = JSON.parse(backup.stdout);
    expect(manifest.volumes[0].entries).toBeGreaterThan(500);
    expect(manifest.volumes[0].bytes).toBeGreaterThan(400e6);
  }, 300_000);
});
