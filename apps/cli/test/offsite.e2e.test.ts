// Off-host backups through the CLI on real rootless podman, PostgreSQL and restic: a live pg_dump and
// the other volumes go to a restic REST server (rclone serve restic on 127.0.0.1) and a local-path
// repository; the stack and the local backup directory are wiped; the restore reads the repository
// alone. A flipped byte in the repository fails verify and restore. The password is never shown.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedProjectDir } from '@phoenix-hydra/e2e/cli-harness';
import { watchCommandLines } from '@phoenix-hydra/e2e/offsite-watch';
import { stackTools } from '@phoenix-hydra/e2e/stack-tools';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const project = 'phx-offsite';
const base = join(homedir(), '.local/share', project);
const port = 18_000 + Math.floor(Math.random() * 900) + 100;
const password = `offsite-${randomBytes(16).toString('hex')}`;
let cwd = '';
let work = '';
let env: Record<string, string> = {};
let rest = '';
let local = '';
let server: ChildProcess | undefined;

const { run, psql, unshareStat, freshStack, removeStack } = stackTools(
  project,
  () => cwd,
  () => env,
);

beforeAll(async () => {
  cwd = await isolatedProjectDir(project, 18089);
  work = await mkdtemp(join(tmpdir(), 'phx-offsite-'));
  const passwordFile = join(work, 'repo-password');
  await writeFile(passwordFile, password, { mode: 0o600 });
  env = {
    XDG_STATE_HOME: join(work, 'state'),
    RESTIC_PASSWORD_FILE: passwordFile,
    RESTIC_CACHE_DIR: join(work, 'cache'),
  };
  server = spawn('rclone', ['serve', 'restic', '--addr', `127.0.0.1:${port}`, join(work, 'rest')], {
    stdio: 'ignore',
  });
  rest = `rest:http://127.0.0.1:${port}/`;
  local = join(work, 'local-repo');
  for (let i = 0; i < 100; i++) {
    if ((await execa('restic', ['init', '--repo', rest], { env, reject: false })).exitCode === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await execa('restic', ['init', '--repo', local], { env });
  await freshStack();
  await psql('create table rows(id int primary key, note text)');
  await psql("insert into rows select g, 'row ' || g from generate_series(1, 1000) g");
  await execa('podman', [
    'unshare',
    'sh',
    '-c',
    `echo 'GET / 200' > ${join(base, 'logs/access.log')} && chown 101:101 ${join(base, 'logs/access.log')} && chmod 640 ${join(base, 'logs/access.log')}`,
  ]);
});

afterAll(async () => {
  server?.kill();
  await removeStack();
  await rm(work, { recursive: true, force: true });
});

describe('backups in a restic repository', () => {
  let id = '';
  const outputs: string[] = [];

  it('stores a live pg_dump and the other volumes in a REST repository and a local-path one; argv never holds the password', async () => {
    const { result, seen } = await watchCommandLines(() =>
      run(['backup', 'create', '--repo', rest, '--volume', 'db_data', '--volume', 'logs', '--json']),
    );
    outputs.push(result.stdout, result.stderr);
    expect(result.exitCode, result.stderr).toBe(0);
    const created = JSON.parse(result.stdout);
    id = created.id;
    expect(created.manifest.taken).toBe('logical-dump');
    expect(seen.some((line) => line.includes('restic') && line.includes('backup'))).toBe(true);
    expect(seen.filter((line) => line.includes(password))).toEqual([]);
    const second = await run([
      'backup',
      'create',
      '--repo',
      local,
      '--volume',
      'db_data',
      '--volume',
      'logs',
    ]);
    outputs.push(second.stdout, second.stderr);
    expect(second.exitCode, second.stderr).toBe(0);
    const listed = await run(['backup', 'ls', '--repo', rest, '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        id,
        project,
        taken: 'logical-dump',
        volumes: ['db_data', 'logs'],
        layout: 2,
      }),
    ]);
    // Layout 2: restic read the logs volume itself inside podman unshare, owners as the container sees them.
    const node = await execa('restic', ['ls', '--json', '--repo', rest, 'latest', '/trees/logs/access.log'], {
      env,
    });
    expect(JSON.parse(node.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
      path: '/trees/logs/access.log',
      uid: 101,
      gid: 101,
      permissions: '-rw-r-----',
    });
    const verified = await run(['backup', 'verify', '--repo', rest, id]);
    outputs.push(verified.stdout, verified.stderr);
    expect(verified.exitCode, verified.stdout + verified.stderr).toBe(0);
  });

  it('restores rows and owners from the repository alone after the stack and the local backups are wiped', async () => {
    await rm(join(work, 'state'), { recursive: true, force: true });
    await freshStack();
    expect(await psql("select count(*) from pg_tables where tablename = 'rows'")).toBe('0');
    const dbRestore = await run(['restore', id, '--repo', rest, '--volume', 'db_data', '--yes']);
    outputs.push(dbRestore.stdout, dbRestore.stderr);
    expect(dbRestore.exitCode, dbRestore.stderr).toBe(0);
    expect(await psql('select count(*) from rows')).toBe('1000');
    const logsRestore = await run(['restore', id, '--repo', rest, '--volume', 'logs', '--stop', '--yes']);
    outputs.push(logsRestore.stdout, logsRestore.stderr);
    expect(logsRestore.exitCode, logsRestore.stderr).toBe(0);
    expect(await unshareStat(join(base, 'logs/access.log'))).toBe('101:101 640');
  });

  it('a flipped byte in the repository fails verify and the restore refuses', async () => {
    let largest = { path: '', size: 0 };
    for (const sub of await readdir(join(local, 'data')))
      for (const name of await readdir(join(local, 'data', sub))) {
        const path = join(local, 'data', sub, name);
        const { size } = await stat(path);
        if (size > largest.size) largest = { path, size };
      }
    await chmod(largest.path, 0o600); // restic writes packs read-only
    const handle = await open(largest.path, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, Math.floor(largest.size / 3));
    byte[0] = (byte[0] as number) ^ 0xff;
    await handle.write(byte, 0, 1, Math.floor(largest.size / 3));
    await handle.close();
    const verified = await run(['backup', 'verify', '--repo', local, '--all', '--read-data']);
    outputs.push(verified.stdout, verified.stderr);
    expect(verified.exitCode).toBe(1);
    expect(verified.stdout).toMatch(/DAMAGED|FAILED/);
    const before = await psql('select count(*) from rows');
    const restored = await run(['restore', 'latest', '--repo', local, '--volume', 'db_data', '--yes']);
    outputs.push(restored.stdout, restored.stderr);
    expect(restored.exitCode).not.toBe(0);
    expect(restored.stderr).toMatch(/error: /);
    expect(await psql('select count(*) from rows')).toBe(before);
  });

  it('never shows the password in output, errors or the event log', async () => {
    const wrong = await run(['backup', 'ls', '--repo', local, '--repo-password-env', 'OFFSITE_WRONG']);
    outputs.push(wrong.stdout, wrong.stderr);
    expect(wrong.exitCode).not.toBe(0);
    const events = await readFile(join(work, 'state/phoenix-hydra/events.jsonl'), 'utf8').catch(() => '');
    for (const text of [...outputs, events]) expect(text).not.toContain(password);
  });
});
