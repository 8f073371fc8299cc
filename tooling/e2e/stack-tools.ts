import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { cli, isolatedProjectDir } from './cli-harness.ts';

/** How psql and pg_isready reach the stack's database: the fixture's phoenix/phoenix_hydra, or a design variant's. */
export interface PostgresAccess {
  user: string;
  database: string;
  /** The server's socket directory when it is not the image's default (`-k /tmp`). */
  socket?: string;
}

const FIXTURE_POSTGRES: PostgresAccess = { user: 'phoenix', database: 'phoenix_hydra' };

/**
 * The e2e helpers around one isolated project's stack (see isolatedProjectDir): the CLI, podman,
 * podman unshare, podman-compose, psql in the db container, waiting, and a fresh stack, so no e2e file
 * carries its own copy of them.
 */
export function stackTools(
  project: string,
  cwd: () => string,
  env: () => Record<string, string>,
  postgres: PostgresAccess = FIXTURE_POSTGRES,
) {
  const db = `${project}_db_1`;
  const socket = postgres.socket === undefined ? [] : ['-h', postgres.socket];
  const run = (args: string[], extraEnv: Record<string, string> = {}) =>
    cli(args, { cwd: cwd(), env: { ...env(), ...extraEnv } });
  const podman = (...args: string[]) => execa('podman', args, { reject: false });
  /** A command inside podman's user namespace; rejects when it fails. */
  const unshare = (...args: string[]) => execa('podman', ['unshare', ...args]);
  const compose = (...args: string[]) =>
    execa('podman-compose', ['-f', join(cwd(), 'podman-compose.yaml'), ...args], {
      cwd: cwd(),
      reject: false,
      all: true,
    });
  /** One SQL statement in DATABASE (the stack's own by default), its rows as psql -tA prints them. */
  const psql = async (sql: string, database = postgres.database) =>
    (
      await podman('exec', db, 'psql', ...socket, '-q', '-U', postgres.user, '-d', database, '-tAc', sql)
    ).stdout.trim();
  const unshareStat = async (path: string) => (await unshare('stat', '-c', '%u:%g %a', path)).stdout.trim();
  /** Polls PROBE every 500 ms; after SECONDS fails with the stack's logs. */
  async function waitFor(what: string, probe: () => Promise<boolean>, seconds = 90): Promise<void> {
    for (let i = 0; i < seconds * 2; i++) {
      if (await probe()) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`timed out waiting for ${what}\n${(await compose('logs')).all}`);
  }
  const waitForPostgres = () =>
    waitFor('postgres', async () => (await podman('exec', db, 'pg_isready', '-q', ...socket)).exitCode === 0);
  /** The stack's volume NAME as podman has it: its mountpoint, and its bind device ('' without bind options). */
  async function volumeMount(name: string): Promise<{ mountpoint: string; device: string }> {
    const r = await podman(
      'volume',
      'inspect',
      `${project}_${name}`,
      '--format',
      '{{.Mountpoint}} {{.Options.device}}',
    );
    const [mountpoint, device] = r.stdout.trim().split(' ');
    return { mountpoint: mountpoint ?? '', device: device === '<no' || device === undefined ? '' : device };
  }
  /**
   * The database as the original scripts left it: db started by podman-compose without setup (so its
   * volume has no bind options and the data is in podman's storage), a table `rows` of ROWS rows.
   */
  async function seedOriginalScriptsDb(rows: number): Promise<void> {
    const up = await compose('up', '-d', 'db');
    expect(up.exitCode, up.all).toBe(0);
    await waitForPostgres();
    // pg_isready answers while the image's entrypoint still creates the database: wait until it is there.
    await waitFor('the database', async () => (await psql('select 1')) === '1', 60);
    expect((await volumeMount('db_data')).device).toBe('');
    await psql('create table rows(id int primary key, note text)');
    await psql(`insert into rows select g, 'row ' || g from generate_series(1, ${rows}) g`);
    expect(await psql('select count(*) from rows')).toBe(String(rows));
  }
  /** The table seedOriginalScriptsDb made counts ROWS within 30 s (postgres may still be starting); else fails with db's logs. */
  async function expectSeededRows(rows: number): Promise<void> {
    let count = '';
    for (let i = 0; i < 60 && count !== String(rows); i++) {
      count = await psql('select count(*) from rows');
      if (count !== String(rows)) await new Promise((r) => setTimeout(r, 500));
    }
    expect(count, (await compose('logs', 'db')).all.slice(-2000)).toBe(String(rows));
  }
  /** Stack down, its volumes and data removed (no backup), and the network podman-compose 1.0.3 leaves behind. */
  async function removeStack(): Promise<void> {
    await compose('down');
    await run(['cleanup', '--yes', '--stop', '--no-backup']);
    await podman('network', 'rm', `${project}_default`);
  }
  /** Stack down, its data removed, set up again and started: what a new host starts from. */
  async function freshStack(): Promise<void> {
    await removeStack();
    expect((await run(['setup'])).exitCode).toBe(0);
    const up = await compose('up', '-d');
    expect(up.exitCode, up.all).toBe(0);
    await waitForPostgres();
  }
  /** The ids `backup ls --json` lists (newest first); fails when it fails. */
  async function backupIds(): Promise<string[]> {
    const listed = await run(['backup', 'ls', '--json']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    return JSON.parse(listed.stdout).backups.map((b: { id: string }) => b.id);
  }
  return {
    run,
    podman,
    unshare,
    compose,
    psql,
    unshareStat,
    waitFor,
    waitForPostgres,
    volumeMount,
    seedOriginalScriptsDb,
    expectSeededRows,
    removeStack,
    freshStack,
    backupIds,
  };
}

/** An isolated project set up from clean, with a state directory of its own (XDG_STATE_HOME) for its backups. */
export interface SetUpProject {
  cwd: string;
  state: string;
  env: Record<string, string>;
  backupDir: string;
}

/** Creates the isolated project NAME on PORT (see isolatedProjectDir), cleans up what a run before left and runs setup. */
export async function setUpProject(name: string, port: number): Promise<SetUpProject> {
  const cwd = await isolatedProjectDir(name, port);
  const state = await mkdtemp(join(tmpdir(), `${name}-state-`));
  const env = { XDG_STATE_HOME: state };
  await cli(['cleanup', '--yes', '--stop', '--no-backup'], { cwd, env });
  const setup = await cli(['setup'], { cwd, env });
  expect(setup.exitCode, setup.stderr).toBe(0);
  return { cwd, state, env, backupDir: join(state, 'phoenix-hydra/backups') };
}

/** Removes what setUpProject made: the project's containers and data, and its state directory. */
export async function tearDownProject(project: SetUpProject | undefined): Promise<void> {
  if (project === undefined) return;
  await cli(['cleanup', '--yes', '--stop', '--no-backup'], { cwd: project.cwd, env: project.env });
  await rm(project.state, { recursive: true, force: true });
}
