// Stopping a rootless `backup create` every way a user or a service manager does (kill PID, systemd's
// stop of the whole group or of each process, Ctrl-C, kill -9 of the outer process): the CLI re-runs
// itself inside `podman unshare` (node → podman → node), so each signal must reach the node inside.
// The outer exits 143/130 only once the inner one has cleaned up; nothing partial stays, the lock is
// released, no process of the tree survives.
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE } from '@phoenix-hydra/backup';
import { lockDir } from '@phoenix-hydra/core';
import { binPath, cliEnv } from '@phoenix-hydra/e2e/cli-harness';
import * as tree from '@phoenix-hydra/e2e/process-tree';
import { type SetUpProject, setUpProject, stackTools, tearDownProject } from '@phoenix-hydra/e2e/stack-tools';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const project = 'phx-signals';
const base = join(homedir(), '.local/share', project);
let stack: SetUpProject | undefined;
let cwd = '';
let backupDir = '';
let env: Record<string, string> = {};

const { backupIds: listed } = stackTools(
  project,
  () => cwd,
  () => env,
);

beforeAll(async () => {
  stack = await setUpProject(project, 18091);
  ({ cwd, env, backupDir } = stack);
  // 300 MB of random data: gzip takes several seconds, so every stop lands while the archive is written.
  await tree.writeRandomFile(join(base, 'logs/big.bin'), 300);
});

afterAll(() => tearDownProject(stack));

// Records, one a line, "PID URL" for every module each Node process of the command resolves.
const recordImports = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({ resolve(specifier, context, next) {
  const resolved = next(specifier, context);
  appendFileSync(process.env.RECORD_IMPORTS, process.pid + ' ' + resolved.url + '\\n');
  return resolved;
} });`)}`;

describe('a rootless backup create starts the CLI once', () => {
  it('the outer process loads only the launcher; the CLI runs inside podman unshare', async () => {
    const record = join(stack?.state ?? '', 'imports.txt');
    const backup = tree.startInOwnGroup([binPath, 'backup', 'create', '--volume', 'logs'], {
      cwd,
      env: {
        ...process.env,
        ...cliEnv,
        ...env,
        NO_COLOR: '1',
        RECORD_IMPORTS: record,
        NODE_OPTIONS: `--import=${recordImports}`,
      },
    });
    expect(await backup.exited, backup.stderr()).toBe(0);
    const lines = (await readFile(record, 'utf8')).split('\n').filter(Boolean);
    const outer = lines.filter((l) => l.startsWith(`${backup.child.pid} `)).map((l) => l.split(' ')[1]);
    const inner = lines.filter((l) => !l.startsWith(`${backup.child.pid} `)).map((l) => l.split(' ')[1]);
    expect(outer.some((url) => /launch\.(ts|js)$/.test(url ?? ''))).toBe(true);
    // Before: the outer process loaded commander and the registrations, then re-ran itself.
    const cli = /commander|\/cli\.ts$|\/dist\/phoenix-volumes\.js$|\/register\//;
    expect(outer.filter((url) => cli.test(url ?? ''))).toEqual([]);
    expect(inner.some((url) => /commander|backup-create/.test(url ?? ''))).toBe(true);
  }, 60_000);
});

describe('backup create stopped by a signal (rootless: node → podman unshare → node)', () => {
  it.each(tree.STOPS)(
    '$name: exits $code after the inner process cleaned up, nothing left',
    async (stop) => {
      const before = await listed();
      const args = [binPath, 'backup', 'create', '--volume', 'logs', '--compression', 'gzip'];
      const backup = tree.startInOwnGroup(args, {
        cwd,
        env: { ...process.env, ...cliEnv, ...env, NO_COLOR: '1' },
      });
      await tree.waitUntilWriting(backup, backupDir, 20_000);
      const stopped = await tree.stopAndWatch(stop, backup);
      expect(stopped.tree.join('\n')).toMatch(/podman unshare/);
      // When the outer process reports, the command inside has finished (its cleanup included).
      expect(stopped.left, backup.stderr()).toEqual([]);
      expect(stopped.code, backup.stderr()).toBe(stop.code);
      expect(backup.stderr()).toMatch(stop.says);
      expect(backup.stderr()).toMatch(/^error: backup cancelled; the partial backup was removed/m);
      expect(await tree.temporaryEntries(backupDir)).toEqual([]);
      expect(await listed()).toEqual(before);
      const locks = await readdir(lockDir(project, { ...process.env, ...env })).catch(() => []);
      expect(locks.filter((n) => n.startsWith(LOCK_FILE))).toEqual([]);
      console.log(`cli signals: ${stop.name}: over ${stopped.seconds.toFixed(2)} s after the stop`);
    },
    60_000,
  );
});

describe('doctor stopped by SIGTERM while its probe containers run', () => {
  // doctor does not listen for signals itself: the CLI's stop removes the probes it started (each labelled
  // with the pid of the process that started it), says so and exits 143. Before, node died at once and the
  // probes stayed, each postgres one with a volume, until a later command's sweep.
  const probesOf = async (pid: number | undefined) =>
    (
      await execa(
        'podman',
        ['ps', '--all', '--quiet', '--filter', `label=io.phoenix-hydra.client-pid=${pid}`],
        { reject: false },
      )
    ).stdout
      .split('\n')
      .filter(Boolean);

  it('exits 143 and leaves none of its probes', async () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const doctor = tree.startInOwnGroup([binPath, 'doctor'], {
        cwd,
        env: { ...process.env, ...cliEnv, ...env, NO_COLOR: '1' },
      });
      let seen: string[] = [];
      let ended = false;
      void doctor.exited.then(() => {
        ended = true;
      });
      while (!ended && seen.length === 0) seen = await probesOf(doctor.child.pid);
      if (ended) continue; // it finished before a probe was seen: again
      doctor.child.kill('SIGTERM');
      const code = await doctor.exited;
      expect(code, doctor.stderr()).toBe(143);
      expect(doctor.stderr()).toMatch(/^SIGTERM received: stopped/m);
      expect(await probesOf(doctor.child.pid)).toEqual([]);
      const said = doctor.stderr().trim().split('\n').at(-1);
      console.log(
        `cli signals: doctor stopped with ${seen.length} probe(s) running (attempt ${attempt}): ${said}`,
      );
      return;
    }
    throw new Error('doctor finished 5 times before any of its probes was seen');
  }, 120_000);
});
