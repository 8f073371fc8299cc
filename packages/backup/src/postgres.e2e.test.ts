import { execFileSync } from 'node:child_process';
import { chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, tempDir } from '../test/helpers.ts';
import { createBackup } from './create-backup.ts';
import { localExec } from './local-exec.ts';
import { dumpPostgres, restorePostgres } from './postgres.ts';
import { restoreBackup } from './restore.ts';
import type { Exec } from './types.ts';
import { verifyBackup } from './verify.ts';

/**
 * A throwaway PostgreSQL 15 cluster on a unix socket in a temp dir, run as the `postgres` system user
 * with password (scram) authentication. `exec` runs the local client binaries: the injected seam the
 * podman adapter fills with `podman exec` in production.
 */
const BIN = '/usr/lib/postgresql/15/bin';
const PORT = '55432';
const PASSWORD = 'correct horse battery staple';
process.env.PHOENIX_TEST_PGPASSWORD = PASSWORD;
process.env.PHOENIX_TEST_WRONG_PGPASSWORD = 'wrong';

let dir = '';
const calls: { argv: string[]; env: Record<string, string> }[] = [];
const exec: Exec = (argv, options) => {
  calls.push({ argv, env: options.env ?? {} });
  return localExec([join(BIN, argv[0] ?? ''), ...argv.slice(1)], {
    ...options,
    env: { ...options.env, PGHOST: dir, PGPORT: PORT },
  });
};

function sql(database: string, query: string): string {
  return execFileSync(join(BIN, 'psql'), ['-XAtq', '-U', 'postgres', '-d', database, '-c', query], {
    env: { ...process.env, PGHOST: dir, PGPORT: PORT, PGPASSWORD: PASSWORD },
    encoding: 'utf8',
  }).trim();
}

// PostgreSQL refuses to run as root: as root the cluster runs as the postgres user, otherwise (the e2e
// user) as the user running the tests.
function asPostgres(args: string[]): void {
  const [cmd = '', ...rest] = isRoot ? ['runuser', '-u', 'postgres', '--', ...args] : args;
  execFileSync(cmd, rest, { stdio: 'pipe' });
}

async function giveToPostgres(path: string): Promise<void> {
  if (isRoot) await chown(path, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 0);
}

const target = { database: 'app', user: 'postgres', passwordEnv: 'PHOENIX_TEST_PGPASSWORD' };

describe('PostgreSQL logical backups against a real PostgreSQL 15', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phoenix-pg-'));
    await giveToPostgres(dir);
    await writeFile(join(dir, 'pw'), PASSWORD);
    await giveToPostgres(join(dir, 'pw'));
    asPostgres([
      join(BIN, 'initdb'),
      '-D',
      join(dir, 'data'),
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${join(dir, 'pw')}`,
    ]);
    asPostgres([
      join(BIN, 'pg_ctl'),
      '-D',
      join(dir, 'data'),
      '-l',
      join(dir, 'log'),
      '-w',
      '-o',
      `-k ${dir} -c listen_addresses='' -p ${PORT}`,
      'start',
    ]);
    sql('postgres', 'CREATE DATABASE app');
    sql(
      'app',
      "CREATE TABLE agents (id int PRIMARY KEY, name text); INSERT INTO agents SELECT g, 'agent-' || g FROM generate_series(1, 1000) g",
    );
  }, 60_000);

  afterAll(async () => {
    if (dir) {
      try {
        asPostgres([join(BIN, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  it('backs up with pg_dump -Fc, verifies, and restores the rows after they were lost', async () => {
    const backupDir = await tempDir();
    const manifest = await createBackup({
      backupDir,
      project: 'phoenix-hydra',
      volumes: [{ name: 'db_data', strategy: 'postgres-logical', postgres: target }],
      taken: 'logical-dump',
      exec,
    });
    expect(manifest.volumes[0]).toMatchObject({
      artifact: 'db_data.pgdump',
      compression: 'none',
      entries: null,
      postgres: { database: 'app', user: 'postgres' },
    });
    expect((await verifyBackup(backupDir, manifest.id)).ok).toBe(true);

    sql('app', "DELETE FROM agents WHERE id > 10; UPDATE agents SET name = 'changed'");
    await restoreBackup({
      backupDir,
      id: manifest.id,
      volume: 'db_data',
      exec,
      postgres: target,
    });
    expect(sql('app', 'SELECT count(*), min(name), max(name) FROM agents')).toBe('1000|agent-1|agent-999');
  });

  it('passes the password only through the environment, never in argv', () => {
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.argv.join(' ')).not.toContain(PASSWORD);
      expect(call.env).toEqual({ PGPASSWORD: PASSWORD });
    }
    expect(calls.map((c) => c.argv[0])).toEqual(expect.arrayContaining(['pg_dump', 'pg_restore']));
  });

  it('restores a plain SQL dump with psql (no PGDMP magic)', async () => {
    const work = await tempDir();
    const plain = join(work, 'plain.sql');
    const { stdout, done } = exec(
      ['pg_dump', '--format=plain', '--clean', '--if-exists', '-U', 'postgres', '-d', 'app'],
      { env: { PGPASSWORD: PASSWORD } },
    );
    await Promise.all([writeFile(plain, stdout), done]);
    sql('app', 'TRUNCATE agents');
    calls.length = 0;
    await restorePostgres({ ...target, exec, input: plain });
    expect(calls[0]?.argv[0]).toBe('psql');
    expect(sql('app', 'SELECT count(*) FROM agents')).toBe('1000');
  });

  it('fails with BACKUP_FAILED on a wrong password and leaves no partial backup', async () => {
    const backupDir = await tempDir();
    const error = await createBackup({
      backupDir,
      project: 'p',
      volumes: [
        {
          name: 'db',
          strategy: 'postgres-logical',
          postgres: { ...target, passwordEnv: 'PHOENIX_TEST_WRONG_PGPASSWORD' },
        },
      ],
      taken: 'logical-dump',
      exec,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'BACKUP_FAILED',
      message: expect.stringContaining('password authentication failed'),
    });
    expect(await readdir(backupDir)).toEqual([]);
  });

  it('a failed restore changes nothing: it runs in one transaction', async () => {
    const work = await tempDir();
    const dump = join(work, 'app.pgdump');
    await dumpPostgres({ ...target, exec, out: dump });
    // A view the dump does not know makes its DROP TABLE fail half-way through the restore.
    sql(
      'app',
      'DELETE FROM agents WHERE id > 500; CREATE VIEW first_agents AS SELECT * FROM agents WHERE id < 5',
    );
    await expect(restorePostgres({ ...target, exec, input: dump })).rejects.toMatchObject({
      code: 'RESTORE_FAILED',
      message: expect.stringContaining('depend'),
    });
    expect(sql('app', 'SELECT count(*) FROM agents')).toBe('500');
    sql('app', 'DROP VIEW first_agents');
  });
});
