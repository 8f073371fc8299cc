// Stopping a rootless agent every way a user or systemd does (kill PID, systemd's stop of the whole
// group or of each process, Ctrl-C, kill -9 of the outer process) while a scheduled backup runs: the
// agent re-runs itself inside `podman unshare` (node → podman → node), so each signal must reach the
// node inside. It stops its HTTP listener and scheduler within the shutdown grace, aborts the backup
// (nothing partial stays), the outer exits 143/130 only after that, and no process of the tree survives.
import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as tree from '@phoenix-hydra/e2e/process-tree';
import { type SetUpProject, setUpProject, tearDownProject } from '@phoenix-hydra/e2e/stack-tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBin, everySecondBackupConfig, hookEvents } from './agent-harness.ts';

const project = 'phx-agent-signals';
const base = join(homedir(), '.local/share', project);
const GRACE_S = 2;
let stack: SetUpProject | undefined;
let cwd = '';
let scratch = '';
let backupDir = '';
let env: Record<string, string> = {};

const complete = async () =>
  (await readdir(backupDir).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
const logLines = (stdout: string) =>
  stdout.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as { msg: string; url?: string }];
    } catch {
      return [];
    }
  });

/** A backup of the 300 MB logs volume every second; a running one may finish for GRACE_S seconds. */
function writeConfig(hookFile: string): Promise<string> {
  return everySecondBackupConfig(join(scratch, `agent-${Date.now()}.yaml`), cwd, hookFile, GRACE_S);
}

beforeAll(async () => {
  stack = await setUpProject(project, 18092);
  ({ cwd, state: scratch, env, backupDir } = stack);
  // 300 MB of random data: gzip takes several seconds, longer than the grace, so the stop aborts it.
  await tree.writeRandomFile(join(base, 'logs/big.bin'), 300);
});

afterAll(() => tearDownProject(stack));

describe('the agent stopped by a signal during a backup (rootless: node → podman unshare → node)', () => {
  it.each(tree.STOPS)(
    '$name: stops within its grace, exits $code, nothing left',
    async (stop) => {
      const hookFile = join(scratch, `hook-${Date.now()}.jsonl`);
      const before = await complete();
      const agent = tree.startInOwnGroup([agentBin, 'run', '--config', await writeConfig(hookFile)], {
        env: { ...process.env, ...env },
      });
      await tree.waitUntilWriting(agent, backupDir, 60_000);
      const url = logLines(agent.stdout()).find((l) => /^watching /.test(l.msg))?.url;
      expect(url, agent.stdout()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const stopped = await tree.stopAndWatch(stop, agent);
      expect(stopped.tree.join('\n')).toMatch(/podman unshare/);
      expect(stopped.left, agent.stdout()).toEqual([]);
      // Within the grace, plus what aborting and closing take (and, after kill -9, noticing it).
      expect(stopped.seconds).toBeLessThan(GRACE_S + 8);
      expect(stopped.code, agent.stderr()).toBe(stop.code);
      const messages = logLines(agent.stdout()).map((l) => l.msg);
      expect(`${agent.stderr()}\n${messages.join('\n')}`).toMatch(stop.says);
      expect(messages).toContain('stopped');
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
      expect(await tree.temporaryEntries(backupDir)).toEqual([]);
      expect(await complete()).toEqual(before);
      const backups = (await hookEvents(hookFile)).filter((e) => e.type.startsWith('backup.'));
      expect(backups.at(-1)).toMatchObject({ type: 'backup.failed', error: { code: 'ABORTED' } });
      console.log(`agent signals: ${stop.name}: over ${stopped.seconds.toFixed(2)} s after the stop`);
    },
    90_000,
  );
});
