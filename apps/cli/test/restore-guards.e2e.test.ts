// Restore against hostile backups and interruptions, on real rootless podman and PostgreSQL: a crafted
// manifest cannot choose where pg_restore connects, a failing pg_restore is reported and everything is
// put back, another project's or an oversized backup is refused, and kill -9 at a random point of a
// restore or a `backup create --stop` is repaired by the next command.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, cli, isolatedProjectDir } from './cli-harness.ts';

const project = 'phx-restore';
const base = join(homedir(), '.local/share', project);
const db = `${project}_db_1`;
const nginx = `${project}_nginx_1`;
let cwd = '';
let env: Record<string, string> = {};
let state = '';
let backupDir = '';

const run = (args: string[]) => cli(args, { cwd, env });
const podman = (...args: string[]) => execa('podman', args, { reject: false });
const compose = (...args: string[]) =>
  execa('podman-compose', ['-f', join(cwd, 'podman-compose.yaml'), ...args], {
    cwd,
    reject: false,
    all: true,
  });
const psql = async (database: string, sql: string) =>
  (await podman('exec', db, 'psql', '-q', '-U', 'phoenix', '-d', database, '-tAc', sql)).stdout.trim();
const running = async (container: string) =>
  (await podman('inspect', '--format', '{{.State.Running}}', container)).stdout.trim() === 'true';
const lockDir = () => join(state, 'phoenix-hydra/locks', project);

async function waitForPostgres(): Promise<void> {
  for (let i = 0; i < 180; i++) {
    if ((await podman('exec', db, 'pg_isready', '-q')).exitCode === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`postgres did not start\n${(await compose('logs')).all}`);
}

async function backup(args: string[]): Promise<string> {
  const created = await run(['backup', 'create', '--json', ...args]);
  expect(created.exitCode, created.stderr).toBe(0);
  return JSON.parse(created.stdout).id;
}

type ManifestJson = {
  project: string;
  volumes: {
    name: string;
    artifact: string;
    bytes: number;
    artifactBytes: number;
    sha256: string;
    postgres: { database: string; user: string } | null;
  }[];
};

/** Edits a backup's manifest as an attacker would (the manifest is not signed). */
async function craft(id: string, edit: (m: ManifestJson) => void): Promise<void> {
  const path = join(backupDir, id, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as ManifestJson;
  edit(manifest);
  await writeFile(path, JSON.stringify(manifest));
}

/** Makes an artifact's manifest entry match its (changed) bytes, so verification passes. */
async function resign(id: string, volume: string): Promise<void> {
  const manifest = JSON.parse(await readFile(join(backupDir, id, 'manifest.json'), 'utf8')) as ManifestJson;
  const entry = manifest.volumes.find((v) => v.name === volume);
  const file = join(backupDir, id, entry?.artifact ?? '');
  const bytes = await readFile(file);
  await craft(id, (m) => {
    const v = m.volumes.find((x) => x.name === volume);
    if (!v) return;
    v.sha256 = createHash('sha256').update(bytes).digest('hex');
    v.artifactBytes = bytes.length;
    v.bytes = bytes.length;
  });
}

async function events(): Promise<{ type: string; error?: { message: string } }[]> {
  const text = await readFile(join(state, 'phoenix-hydra/events.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

beforeAll(async () => {
  cwd = await isolatedProjectDir(project, 18083);
  state = await mkdtemp(join(tmpdir(), 'phx-state-'));
  env = { XDG_STATE_HOME: state };
  backupDir = join(state, 'phoenix-hydra/backups');
  await compose('down');
  await run(['cleanup', '--yes', '--stop', '--no-backup']);
  expect((await run(['setup'])).exitCode).toBe(0);
  const up = await compose('up', '-d');
  expect(up.exitCode, up.all).toBe(0);
  await waitForPostgres();
  await psql('phoenix_hydra', 'create table rows(id int primary key, note text)');
  await psql('phoenix_hydra', "insert into rows select g, 'row ' || g from generate_series(1, 1000) g");
}, 240_000);

afterAll(async () => {
  await compose('down');
  await run(['cleanup', '--yes', '--stop', '--no-backup']);
  await execa('podman', ['unshare', 'rm', '-rf', state], { reject: false });
}, 120_000);

describe('a crafted manifest does not choose where pg_restore connects', () => {
  it('refuses a dump "of" a conninfo or of another database; --pg-database names the target explicitly', async () => {
    const id = await backup(['--volume', 'db_data']);
    // libpq would read this as a connection string and restore into the database `postgres`.
    await craft(id, (m) => {
      (m.volumes[0] as ManifestJson['volumes'][number]).postgres = {
        database: 'dbname=postgres',
        user: 'phoenix',
      };
    });
    await psql('phoenix_hydra', 'delete from rows where id > 10');
    const refused = await run(['restore', id, '--yes']);
    expect(refused.exitCode, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: backup volume db_data is a dump of database "dbname=postgres", not of phoenix_hydra; nothing was changed$/m,
    );
    expect(refused.stderr).toMatch(/^hint: .*--pg-database phoenix_hydra$/m);
    expect(await psql('postgres', "select count(*) from pg_tables where tablename = 'rows'")).toBe('0');
    expect(await psql('phoenix_hydra', 'select count(*) from rows')).toBe('10');

    const named = await run(['restore', id, '--yes', '--pg-database', 'phoenix_hydra']);
    expect(named.exitCode, named.stderr).toBe(0);
    expect(await psql('phoenix_hydra', 'select count(*) from rows')).toBe('1000');

    const hostile = await run(['restore', id, '--yes', '--pg-database', 'host=evil.example dbname=x']);
    expect(hostile.exitCode).toBe(2);
    expect(hostile.stderr).toMatch(/^error: "host=evil.example dbname=x" is not a PostgreSQL database name/m);
  }, 120_000);
});

describe('a failing pg_restore', () => {
  it('is reported with its own message; nginx is started again and runs, restore.failed is raised, the lock released', async () => {
    const id = await backup(['--volume', 'db_data', '--volume', 'nginx_config']);
    const dump = join(backupDir, id, 'db_data.pgdump');
    await truncate(dump, Math.floor((await stat(dump)).size / 2));
    await resign(id, 'db_data');
    const verified = await run(['backup', 'verify', id]);
    expect(verified.exitCode, verified.stdout).toBe(0); // a crafted, "valid" backup

    const result = await run(['restore', id, '--stop', '--yes']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^stopping phx-restore_nginx_1$/m);
    expect(result.stderr).toMatch(
      /^error: pg_restore into database phoenix_hydra failed: pg_restore: error: .+/m,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(await running(nginx)).toBe(true);
    expect(await psql('phoenix_hydra', 'select count(*) from rows')).toBe('1000'); // one transaction
    const last = (await events()).at(-1);
    expect(last).toMatchObject({
      type: 'restore.failed',
      error: { message: expect.stringContaining('pg_restore') },
    });
    expect(await readdir(lockDir())).toEqual([]);
  }, 120_000);
});

describe('a backup that does not belong here', () => {
  it('refuses another project’s backup unless --from-project names it', async () => {
    const id = await backup(['--volume', 'nginx_config']);
    await craft(id, (m) => {
      m.project = 'someone-else';
    });
    const refused = await run(['restore', id, '--yes', '--stop']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/^error: backup .* is of project someone-else, not of phx-restore/m);
    expect(refused.stderr).toMatch(/^hint: .*--from-project someone-else$/m);
    const accepted = await run(['restore', id, '--yes', '--stop', '--from-project', 'someone-else']);
    expect(accepted.exitCode, accepted.stderr).toBe(0);
    await execa('podman', ['unshare', 'sh', '-c', `rm -rf ${base}/nginx_config.pre-restore-*`]);
  }, 120_000);

  it('refuses a backup that expands beyond the free space before stopping or writing anything', async () => {
    const id = await backup(['--volume', 'logs']);
    await craft(id, (m) => {
      (m.volumes[0] as ManifestJson['volumes'][number]).bytes = 50 * 1024 ** 4;
    });
    const before = (await readdir(base)).sort();
    const refused = await run(['restore', id, '--yes', '--stop']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: not enough room to restore logs: it expands to 52428800\.0 MiB .* MiB free/m,
    );
    expect(refused.stderr).toMatch(/^hint: free /m);
    expect(refused.stderr).not.toMatch(/stopping/);
    expect((await readdir(base)).sort()).toEqual(before);
  }, 120_000);
});
