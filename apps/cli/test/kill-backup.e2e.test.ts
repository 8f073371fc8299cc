// kill -9 at a random point of `backup create` (seeded; the seed is printed, KILL_SEED=N replays
// it): whatever the point, the next commands report or repair what it left. `backup ls` lists only
// complete backups and removes the leftovers, every listed backup verifies, and the next backup
// takes over the dead one's lock and succeeds.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { binPath, cliEnv } from '@phoenix-hydra/e2e/cli-harness';
import { startInOwnGroup, temporaryEntries } from '@phoenix-hydra/e2e/process-tree';
import { type SetUpProject, setUpProject, stackTools, tearDownProject } from '@phoenix-hydra/e2e/stack-tools';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const project = 'phx-kill';
const base = join(homedir(), '.local/share', project);
let stack: SetUpProject | undefined;
let cwd = '';
let env: Record<string, string> = {};
let backupDir = '';

const {
  run,
  unshare,
  backupIds: listed,
} = stackTools(
  project,
  () => cwd,
  () => env,
);
const args = ['backup', 'create', '--volume', 'logs', '--compression', 'gzip'];
const leftovers = () => temporaryEntries(backupDir);

/** The i-th kill point for `seed`, in [0, 1): golden-ratio steps, so a failing point can be replayed. */
function killPoint(seed: number, i: number): number {
  return ((seed + (i + 1) * 0.618033988749895 * 1_000_003) % 1_000_003) / 1_000_003;
}

/** Runs `backup create` and SIGKILLs every process of it (the CLI re-runs itself in podman unshare) after `ms`. */
async function killAfter(ms: number): Promise<{ exit: number | null; signal: string | null }> {
  const backup = startInOwnGroup([binPath, ...args], { cwd, env: { ...process.env, ...cliEnv, ...env } });
  await new Promise((r) => setTimeout(r, ms));
  await execa('pkill', ['-KILL', '-f', `${binPath} ${args.join(' ')}`], { reject: false });
  try {
    process.kill(-(backup.child.pid as number), 'SIGKILL');
  } catch {
    // already gone: the backup finished before the kill
  }
  const exit = await backup.exited;
  return { exit, signal: backup.child.signalCode };
}

beforeAll(async () => {
  stack = await setUpProject(project, 18084);
  ({ cwd, env, backupDir } = stack);
  // 40 MB of random data in many files (gzip: a few seconds), owned by the container's nginx user.
  await unshare(
    'sh',
    '-c',
    'for i in $(seq 1 20); do head -c 2000000 /dev/urandom > "$1/app-$i.log"; done; chown -R 101:101 "$1"',
    'sh',
    join(base, 'logs'),
  );
});

afterAll(() => tearDownProject(stack));

describe('kill -9 at a random point of backup create', () => {
  it('leaves nothing that the next ls, verify --all and backup create do not report or repair', async () => {
    const started = performance.now();
    const first = await run(args);
    expect(first.exitCode, first.stderr).toBe(0);
    const fullMs = performance.now() - started;
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
    console.log(
      `kill-backup: seed ${seed} (KILL_SEED=${seed} replays it); a full backup took ${Math.round(fullMs)} ms`,
    );
    for (let i = 0; i < 3; i += 1) {
      const before = await listed();
      const ms = Math.round(killPoint(seed, i) * fullMs * 1.1); // sometimes after the end: then it must be complete
      const { exit, signal } = await killAfter(ms);
      console.log(`kill-backup: iteration ${i + 1}: SIGKILL after ${ms} ms (exit ${exit}, signal ${signal})`);
      const after = await listed(); // also removes a dead writer's temporary directory
      const added = after.filter((id) => !before.includes(id));
      expect(added.length, `killed after ${ms} ms (seed ${seed})`).toBeLessThanOrEqual(1);
      expect(after.filter((id) => before.includes(id))).toEqual(before);
      expect(await leftovers(), `killed after ${ms} ms (seed ${seed})`).toEqual([]);
      const verify = await run(['backup', 'verify', '--all', '--json']);
      expect(verify.exitCode, `${verify.stdout}${verify.stderr} (seed ${seed})`).toBe(0);
      const results = JSON.parse(verify.stdout).results as { id: string; ok: boolean }[];
      expect(results.map((r) => r.id).sort()).toEqual([...after].sort());
      // The dead backup's lock is taken over; the next backup is complete and verifies.
      const again = await run(args);
      expect(again.exitCode, `${again.stderr} (seed ${seed})`).toBe(0);
      const [newest] = await listed();
      const verified = await run(['backup', 'verify', newest ?? '']);
      expect(verified.exitCode, verified.stdout).toBe(0);
    }
  }, 120_000);
});
