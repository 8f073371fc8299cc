// The original design's stack as written, end to end on real rootless podman, as the non-root user
// from the directory of its compose file: nginx `user: "101:101"` and no ports, db `user: "999:999"`,
// superuser windmill_user and database windmill, no POSTGRES_* in the compose file.
// setup → podman-compose up -d → both containers run for 30 s → check and doctor exit 0 → a live
// backup create (no --stop) → restore brings the rows back.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stackTools } from '@phoenix-hydra/e2e/stack-tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { designVariantDir, initDesignDatabase } from './design-variant.ts';

const project = 'phx-design';
const base = join(homedir(), '.local/share', project);
let cwd = '';
let env: Record<string, string> = {};
const { run, podman, compose, psql, removeStack } = stackTools(
  project,
  () => cwd,
  () => env,
  { user: 'windmill_user', database: 'windmill' },
);
const running = async (container: string) =>
  (await podman('inspect', container, '--format', '{{.State.Running}} {{.RestartCount}}')).stdout.trim();

beforeAll(async () => {
  cwd = await designVariantDir(project, 18099, { nginxAsDesigned: true });
  env = { XDG_STATE_HOME: join(cwd, '..', 'state') };
  await removeStack();
}, 120_000);

afterAll(async () => {
  await removeStack();
}, 120_000);

describe("the original design's stack, as written", () => {
  it('setup, then podman-compose up -d: both containers still run 30 s later', async () => {
    const setup = await run(['setup']);
    expect(setup.exitCode, setup.stderr).toBe(0);
    expect(setup.stderr).toContain(join(cwd, 'podman-compose.yaml'));
    // The design's data, as the original scripts made it: superuser windmill_user, database windmill.
    await initDesignDatabase(join(base, 'db_data'));
    const up = await compose('up', '-d');
    expect(up.exitCode, up.all).toBe(0);
    await new Promise((r) => setTimeout(r, 30_000));
    for (const service of ['db', 'nginx']) {
      const container = `${project}_${service}_1`;
      expect(await running(container), (await compose('logs', service)).all.slice(-2000)).toBe('true 0');
    }
  }, 180_000);

  it('check and doctor exit 0', async () => {
    const check = await run(['check']);
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    const doctor = await run(['doctor']);
    expect(doctor.exitCode, doctor.stdout + doctor.stderr).toBe(0);
  }, 120_000);

  it('a live backup create dumps the rows, and restore brings them back', async () => {
    await psql('create table rows(id int primary key, note text)');
    await psql("insert into rows select g, 'row ' || g from generate_series(1, 300) g");
    const created = await run(['backup', 'create', '--json']);
    expect(created.exitCode, created.stderr).toBe(0);
    const manifest = JSON.parse(created.stdout);
    expect(manifest.taken).toBe('logical-dump');
    const dumped = manifest.volumes.find((v: { name: string }) => v.name === 'db_data');
    expect(dumped).toMatchObject({
      strategy: 'postgres-logical',
      postgres: { user: 'windmill_user', database: 'windmill' },
    });

    await psql('delete from rows where id > 3');
    const restored = await run(['restore', manifest.id, '--volume', 'db_data', '--yes']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await psql('select count(*) from rows')).toBe('300');
  }, 120_000);
});
