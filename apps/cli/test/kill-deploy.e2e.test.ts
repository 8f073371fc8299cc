// kill -9 at a random point of `nginx deploy --reload` (of the CLI alone, or of its whole process tree:
// the CLI, podman unshare and the task it runs, as an OOM kill of the cgroup would), a few times with a printed
// seed (PHX_KILL_SEED=<seed> replays a run). After each kill the live configuration must be the old one
// or the new one, complete; nginx must still answer; and the next deploy must repair what the killed one
// left (staging copies, a half-done swap) and say so. Own project phx-kill on port 18447.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { binPath, cli, cliEnv, isolatedProjectDir } from '@phoenix-hydra/e2e/cli-harness';
import { type Stop, startInOwnGroup, stopAndWatch } from '@phoenix-hydra/e2e/process-tree';
import { stackTools } from '@phoenix-hydra/e2e/stack-tools';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seeded } from '../../../tooling/fuzz/mutate.ts';

const project = 'phx-kill';
const PORT = 18447;
const base = join(homedir(), '.local/share', project);
const live = join(base, 'nginx_config');
const SEED = Number(process.env.PHX_KILL_SEED ?? Date.now() % 1_000_000);
const KILLS = 4;
let cwd = '';

const { compose } = stackTools(
  project,
  () => cwd,
  () => ({}),
);

/** A configuration of two files, so a half-swapped one is visible; it answers `version` on /. */
function configuration(version: string): Record<string, string> {
  return {
    'default.conf': `server {\n  listen 80;\n  location / { default_type text/plain; return 200 "${version}\\n"; }\n  location = /healthz { return 200 "ok\\n"; }\n}\n`,
    'extra.conf': `# ${version}\n`,
  };
}

async function writeConfiguration(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}

async function liveFiles(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(live)).sort()) files[name] = await readFile(join(live, name), 'utf8');
  return files;
}

async function get(): Promise<string | null> {
  const response = await fetch(`http://127.0.0.1:${PORT}/`, { signal: AbortSignal.timeout(3000) }).catch(
    () => null,
  );
  return response?.ok ? response.text() : null;
}

/** kill -9 of the CLI alone (the user's `kill -9 PID`), or of every process of its tree (an OOM kill of the cgroup). */
const KILLS_9: Stop[] = [
  { name: 'kill -9 of the outer process', signal: 'SIGKILL', to: 'outer', code: null, says: /./ },
  { name: 'kill -9 of every process of the tree', signal: 'SIGKILL', to: 'each', code: null, says: /./ },
];

/** Runs `nginx deploy DIR --reload` and kills it `afterMs` later (unless it ended first); resolves once all of it is gone. */
async function deployKilledAfter(dir: string, afterMs: number, stop: Stop): Promise<string> {
  const started = startInOwnGroup([binPath, 'nginx', 'deploy', dir, '--reload'], {
    cwd,
    env: { ...process.env, ...cliEnv, NO_COLOR: '1' },
  });
  const first = await Promise.race([
    started.exited,
    new Promise<'timer'>((resolve) => setTimeout(() => resolve('timer'), afterMs)),
  ]);
  if (first !== 'timer') return `ended by itself with exit code ${first}`;
  const stopped = await stopAndWatch(stop, started);
  expect(stopped.left, `${stop.name} left processes running`).toEqual([]);
  return `${stop.name} (${stopped.tree.length} processes)`;
}

async function leftovers(): Promise<string[]> {
  return (await readdir(base)).filter(
    (n) => n.startsWith('nginx_config.staging-') || n.endsWith('.swap.json'),
  );
}

beforeAll(async () => {
  cwd = await isolatedProjectDir(project, PORT);
  await compose('down');
  await cli(['cleanup', '--yes', '--stop', '--no-backup'], { cwd });
  await execa('podman', ['unshare', 'rm', '-rf', base]).catch(() => undefined);
  expect((await cli(['setup'], { cwd })).exitCode).toBe(0);
  const up = await compose('up', '-d');
  expect(up.exitCode, up.all).toBe(0);
  for (let i = 0; i < 120 && (await get()) === null; i++) await new Promise((r) => setTimeout(r, 500));
}, 240_000);

afterAll(async () => {
  await compose('down');
  await cli(['cleanup', '--yes', '--stop', '--no-backup'], { cwd });
  await execa('podman', ['unshare', 'rm', '-rf', base]).catch(() => undefined);
  await rm(dirname(cwd), { recursive: true, force: true });
}, 120_000);

describe('nginx deploy killed with SIGKILL at a random point', () => {
  it(`leaves the old or the new configuration, nginx serving, and the next deploy repairs (seed ${SEED})`, async () => {
    console.log(`kill-deploy seed ${SEED} (replay with PHX_KILL_SEED=${SEED})`);
    const random = seeded(SEED);
    // Kill i deploys v(2i-1); the repairing deploy after it deploys v(2i).
    const configs = Array.from({ length: 2 * KILLS + 1 }, (_, n) => ({
      version: `v${n}`,
      files: configuration(`v${n}`),
    }));
    for (const c of configs) await writeConfiguration(join(dirname(cwd), c.version), c.files);

    const started = Date.now();
    const first = await cli(['nginx', 'deploy', join(dirname(cwd), 'v0'), '--reload'], { cwd });
    expect(first.exitCode, first.stderr).toBe(0);
    let duration = Date.now() - started; // then the last repairing deploy's: warm runs are shorter
    expect(await get()).toBe('v0\n');

    let current = configs[0];
    for (let i = 1; i <= KILLS; i++) {
      const next = configs[2 * i - 1];
      if (!current || !next) throw new Error('not enough configurations');
      const at = Math.floor(random() * duration);
      const stop = KILLS_9[Math.floor(random() * KILLS_9.length)] ?? KILLS_9[0];
      if (!stop) throw new Error('no stop');
      const how = await deployKilledAfter(join(dirname(cwd), next.version), at, stop);
      const state = await liveFiles();
      const what = `kill ${i} at ${at} ms of ${duration}: ${how} (seed ${SEED})`;
      expect([current.files, next.files], what).toContainEqual(state);
      expect([`${current.version}\n`, `${next.version}\n`], what).toContain(await get());

      const left = await leftovers();
      console.log(`${what}; left behind: ${left.join(', ') || 'nothing'}`);
      const repair = configs[2 * i];
      if (!repair) throw new Error('not enough configurations');
      const repairStarted = Date.now();
      const again = await cli(['nginx', 'deploy', join(dirname(cwd), repair.version), '--reload'], { cwd });
      duration = Date.now() - repairStarted;
      expect(again.exitCode, `${what}\n${again.stderr}`).toBe(0);
      for (const name of left) expect(again.stderr, what).toContain(name);
      expect(await leftovers(), what).toEqual([]);
      expect(await liveFiles(), what).toEqual(repair.files);
      expect(await get(), what).toBe(`${repair.version}\n`);
      current = repair;
    }
  }, 300_000);
});
