// A live backup connects to the design's database on real rootless podman: postgres started with
// `-k /tmp`, superuser windmill_user and database windmill, no POSTGRES_* anywhere. backup create
// (no --stop) dumps rows that restore brings back; doctor names the piece that is wrong.
import { mkdtemp } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackTools } from '@phoenix-hydra/e2e/stack-tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { designVariantDir, initDesignDatabase } from './design-variant.ts';

const project = 'phx-pgdisc';
const base = join(homedir(), '.local/share', project);
let cwd = '';
let env: Record<string, string> = {};

const { run, compose, psql, waitForPostgres, removeStack } = stackTools(
  project,
  () => cwd,
  () => env,
  { user: 'windmill_user', database: 'windmill', socket: '/tmp' },
);

beforeAll(async () => {
  cwd = await designVariantDir(project, 18095, { serverArgs: ['-k', '/tmp'] });
  env = { XDG_STATE_HOME: await mkdtemp(join(tmpdir(), 'phx-state-')) };
  await removeStack();
  expect((await run(['setup'])).exitCode).toBe(0);
  await initDesignDatabase(join(base, 'db_data'));
  const up = await compose('up', '-d', 'db');
  expect(up.exitCode, up.all).toBe(0);
  await waitForPostgres();
  await psql('create table rows(id int primary key, note text)');
  await psql("insert into rows select g, 'row ' || g from generate_series(1, 500) g");
  expect(await psql('select count(*) from rows')).toBe('500');
}, 240_000);

afterAll(async () => {
  await removeStack();
}, 120_000);

describe("the design's database, found rather than assumed", () => {
  it('dumps it live over the socket in /tmp as windmill_user, and restore brings the rows back', async () => {
    const created = await run(['backup', 'create', '--volume', 'db_data', '--json']);
    expect(created.exitCode, created.stderr).toBe(0);
    const manifest = JSON.parse(created.stdout);
    expect(manifest.taken).toBe('logical-dump');
    expect(manifest.volumes[0].postgres).toEqual({ database: 'windmill', user: 'windmill_user' });

    await psql('delete from rows where id > 7');
    expect(await psql('select count(*) from rows')).toBe('7');
    const restored = await run(['restore', manifest.id, '--yes']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await psql('select count(*) from rows')).toBe('500');
  });

  it('takes --pg-host and --pg-port over what postmaster.pid says, and reports the socket it tried', async () => {
    const wrong = await run(['backup', 'create', '--volume', 'db_data', '--pg-host', '/var/run/postgresql']);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain('/var/run/postgresql/.s.PGSQL.5432');
    const right = await run([
      'backup',
      'create',
      '--volume',
      'db_data',
      '--pg-host',
      '/tmp',
      '--pg-port',
      '5432',
    ]);
    expect(right.exitCode, right.stderr).toBe(0);
  });

  it('doctor passes the dump check, and names the user when the one it is given does not exist', async () => {
    const good = await run(['doctor', '--check', 'PHX-PG-003', '--json']);
    expect(good.exitCode, good.stdout + good.stderr).toBe(0);
    const bad = await run(['doctor', '--check', 'PHX-PG-003', '--json'], { PGUSER: 'ghost' });
    expect(bad.exitCode).toBe(1);
    const found = JSON.parse(bad.stdout).findings.find((f: { check: string }) => f.check === 'PHX-PG-003');
    expect(found).toMatchObject({
      volume: 'db_data',
      severity: 'error',
      evidence: { missing: 'user', user: 'ghost', host: '/tmp', port: 5432 },
    });
    expect(found.message).toContain('role ghost (environment) does not exist');
    expect(found.hint).toContain('--pg-user');
  });
});
