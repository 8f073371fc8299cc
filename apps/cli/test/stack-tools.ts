import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { cli } from './cli-harness.ts';

/**
 * The e2e helpers around one isolated project's stack (see isolatedProjectDir): the CLI, podman,
 * podman-compose, psql in the db container, and a fresh stack. Other e2e files still carry their own
 * copies of these; new ones use this.
 */
export function stackTools(project: string, cwd: () => string, env: () => Record<string, string>) {
  const db = `${project}_db_1`;
  const run = (args: string[]) => cli(args, { cwd: cwd(), env: env() });
  const podman = (...args: string[]) => execa('podman', args, { reject: false });
  const compose = (...args: string[]) =>
    execa('podman-compose', ['-f', join(cwd(), 'podman-compose.yaml'), ...args], {
      cwd: cwd(),
      reject: false,
      all: true,
    });
  const psql = async (sql: string) =>
    (
      await podman('exec', db, 'psql', '-q', '-U', 'phoenix', '-d', 'phoenix_hydra', '-tAc', sql)
    ).stdout.trim();
  const unshareStat = async (path: string) =>
    (await execa('podman', ['unshare', 'stat', '-c', '%u:%g %a', path])).stdout.trim();
  async function waitForPostgres(): Promise<void> {
    for (let i = 0; i < 180; i++) {
      if ((await podman('exec', db, 'pg_isready', '-q')).exitCode === 0) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`postgres did not start\n${(await compose('logs')).all}`);
  }
  /** Stack down, its data removed, set up again and started: what a new host starts from. */
  async function freshStack(): Promise<void> {
    await compose('down');
    await run(['cleanup', '--yes', '--stop', '--no-backup']);
    expect((await run(['setup'])).exitCode).toBe(0);
    const up = await compose('up', '-d');
    expect(up.exitCode, up.all).toBe(0);
    await waitForPostgres();
  }
  return { run, podman, compose, psql, unshareStat, waitForPostgres, freshStack };
}
