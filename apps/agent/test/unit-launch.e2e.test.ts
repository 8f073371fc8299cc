// The rootless systemd unit `install` writes: `podman unshare node … run`, so Node starts inside the user
// namespace and no outer Node waits on it. systemd stops it with KillMode=control-group (SIGTERM to every
// process of the unit at once, then it waits for all of them): podman exits at once, the agent stops its
// running backup cleanly (nothing partial stays) and exits 143, and the tree holds one Node process.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as tree from '@phoenix-hydra/e2e/process-tree';
import { type SetUpProject, setUpProject, tearDownProject } from '@phoenix-hydra/e2e/stack-tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitCommand } from '../src/install/systemd-unit.ts';
import { agentBin, everySecondBackupConfig, hookEvents } from './agent-harness.ts';

const project = 'phx-agent-unit';
const base = join(homedir(), '.local/share', project);
let stack: SetUpProject | undefined;

beforeAll(async () => {
  stack = await setUpProject(project, 18094);
  // 300 MB of random data: gzip takes several seconds, so the stop lands while the backup runs.
  await tree.writeRandomFile(join(base, 'logs/big.bin'), 300);
});

afterAll(() => tearDownProject(stack));

describe('the agent as the rootless unit runs it (podman unshare node)', () => {
  it("runs one Node inside the namespace, and systemd's stop (SIGTERM to every process) stops it cleanly", async () => {
    if (!stack) throw new Error('no stack');
    const { cwd, state, env, backupDir } = stack;
    const hookFile = join(state, 'hook-unit.jsonl');
    const config = await everySecondBackupConfig(join(state, 'agent-unit.yaml'), cwd, hookFile, 2);
    const before = (await readdir(backupDir).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
    const [program = '', ...args] = unitCommand({
      node: process.execPath,
      script: agentBin,
      podman: 'podman',
      configFile: config,
      shutdownGraceSeconds: 2,
    });
    const child = spawn(program, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
    });
    const started: tree.Started = {
      child,
      exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
      closed: new Promise((resolve) => child.on('close', () => resolve())),
      stderr: () => stderr,
      stdout: () => stdout,
    };
    await tree.waitUntilWriting(started, backupDir, 60_000);
    const stop = tree.STOPS.find((s) => s.to === 'each');
    if (!stop) throw new Error('no pid-by-pid stop');
    const stopped = await tree.stopAndWatch(stop, started);
    // One Node in the tree: the agent itself, inside podman unshare.
    expect(
      stopped.tree.filter((line) => line.split(' ')[1] === process.execPath),
      stopped.tree.join('\n'),
    ).toHaveLength(1);
    expect(stopped.tree.join('\n')).toMatch(/podman unshare/);
    // podman leaves first (it passes no signal on and exits 0); the agent after its clean stop.
    const gone = (line: string) => {
      const pid = line.split(' ')[0];
      return !existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    };
    // As systemd does: wait for the whole tree, within the grace plus what stopping takes.
    for (let i = 0; i < 100 && !stopped.tree.every(gone); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stopped.tree.filter((line) => !gone(line))).toEqual([]);
    const messages = stdout.split('\n').flatMap((line) => {
      try {
        return [(JSON.parse(line) as { msg: string }).msg];
      } catch {
        return [];
      }
    });
    expect(messages.join('\n'), stderr).toMatch(/SIGTERM received/);
    expect(messages).toContain('stopped');
    expect(await tree.temporaryEntries(backupDir)).toEqual([]);
    expect((await readdir(backupDir)).filter((n) => !n.startsWith('.'))).toEqual(before);
    const backups = (await hookEvents(hookFile)).filter((e) => e.type.startsWith('backup.'));
    expect(backups.at(-1)).toMatchObject({ type: 'backup.failed', error: { code: 'ABORTED' } });
  }, 120_000);
});
