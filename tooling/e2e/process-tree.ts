// Signals a command the way kill, systemd and a terminal do, and finds what of its process tree survived.
// Used by the CLI's and the agent's signal e2e tests: rootless, each is node → podman unshare → node.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { childrenOf, startTimeOf } from '@phoenix-hydra/podman-adapter/user-namespace';
import { execa } from 'execa';

/** One process: its pid, when it started (so a reused pid is not mistaken for it) and its command line. */
interface TreeProcess {
  pid: number;
  start: string;
  cmdline: string;
}

/** How a stop reaches the command. */
export interface Stop {
  /** What a user does, for test names. */
  name: string;
  signal: NodeJS.Signals;
  /** outer: that process only (kill PID); group: kill -SIG -PGID; each: every process of the tree, one by one. */
  to: 'outer' | 'group' | 'each';
  /** The outer process's exit code; null: it is killed and cannot report one. */
  code: number | null;
  /** What the command says on stderr once it stops. */
  says: RegExp;
}

/** Each way a command gets stopped, with what it must answer. */
export const STOPS: readonly Stop[] = [
  {
    name: 'kill PID (SIGTERM to the outer process only)',
    signal: 'SIGTERM',
    to: 'outer',
    code: 143,
    says: /SIGTERM received/,
  },
  {
    name: "systemd's stop (SIGTERM to the whole process group)",
    signal: 'SIGTERM',
    to: 'group',
    code: 143,
    says: /SIGTERM received/,
  },
  {
    name: "systemd's stop pid by pid (SIGTERM to every process of the tree)",
    signal: 'SIGTERM',
    to: 'each',
    code: 143,
    says: /SIGTERM received/,
  },
  {
    name: 'Ctrl-C (SIGINT to the foreground process group)',
    signal: 'SIGINT',
    to: 'group',
    code: 130,
    says: /SIGINT received/,
  },
  {
    name: 'kill -9 of the outer process',
    signal: 'SIGKILL',
    to: 'outer',
    code: null,
    says: /is gone: stopping/,
  },
];

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** `root` and every process below it, as they run now. */
function processTree(root: number): TreeProcess[] {
  const tree: TreeProcess[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    const start = startTimeOf(pid);
    if (start === null) continue;
    tree.push({ pid, start, cmdline: cmdlineOf(pid) });
    queue.push(...childrenOf(pid));
  }
  return tree;
}

/** The processes of `tree` still running (same pid, same start time). */
function survivors(tree: readonly TreeProcess[]): TreeProcess[] {
  return tree.filter((p) => startTimeOf(p.pid) === p.start);
}

/** Waits until no process of `tree` runs, at most `timeoutMs`; returns those still running then. */
async function waitForTreeGone(tree: readonly TreeProcess[], timeoutMs: number): Promise<TreeProcess[]> {
  const deadline = Date.now() + timeoutMs;
  while (survivors(tree).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return survivors(tree);
}

/** Sends `stop` to a command started with `startInOwnGroup`. */
function deliver(stop: Stop, child: ChildProcess, tree: readonly TreeProcess[]): void {
  const pid = child.pid as number;
  const send = (target: number) => {
    try {
      process.kill(target, stop.signal);
    } catch {
      // already gone
    }
  };
  if (stop.to === 'outer') send(pid);
  else if (stop.to === 'group') send(-pid);
  else for (const p of tree) send(p.pid);
}

/** A running command in its own process group (as a shell's job or a service), its stderr collected. */
export interface Started {
  child: ChildProcess;
  /** The outer process's exit code, or null when a signal ended it. */
  exited: Promise<number | null>;
  /** Resolves once every process holding its stdout and stderr closed them (the inner one too). */
  closed: Promise<void>;
  stderr(): string;
  stdout(): string;
}

/** Starts `node ARGS…` in a process group of its own; stdout and stderr are collected. */
export function startInOwnGroup(
  args: readonly string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv },
): Started {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, exited, closed, stderr: () => stderr, stdout: () => stdout };
}

/** How a stopped command ended. */
export interface Stopped {
  /** The outer process's exit code (null: killed). */
  code: number | null;
  /** Seconds from the stop to the end of the last process of the tree. */
  seconds: number;
  /** The tree when the stop was sent, and what of it still ran once the outer process had exited
   * (after kill -9 of the outer: once the rest had 15 s to stop), as "pid command line". */
  tree: string[];
  left: string[];
}

/**
 * Sends `stop` to a running command and waits until it is over: the outer process exited and every
 * process holding its output closed it. A rootless command's tree must include `podman unshare`.
 */
export async function stopAndWatch(stop: Stop, started: Started): Promise<Stopped> {
  const tree = processTree(started.child.pid as number);
  const describe = (processes: readonly TreeProcess[]) => processes.map((p) => `${p.pid} ${p.cmdline}`);
  const sentAt = performance.now();
  deliver(stop, started.child, tree);
  const code = await started.exited;
  const left = stop.code === null ? await waitForTreeGone(tree, 15_000) : survivors(tree);
  await started.closed;
  const seconds = (performance.now() - sentAt) / 1000;
  return { code, seconds, tree: describe(tree), left: describe(left) };
}

/** Temporary entries (`.tmp-…`) in `dir`: a backup being written, or one left behind. */
export async function temporaryEntries(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith('.tmp'));
}

/** Waits until `started` has a temporary entry in `dir` (a backup is being written); fails if it exits first. */
export async function waitUntilWriting(started: Started, dir: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await temporaryEntries(dir)).length === 0) {
    if (started.child.exitCode !== null || Date.now() > deadline)
      throw new Error(
        `no backup being written in ${dir}\n${started.stderr()}${started.stdout().slice(-3000)}`,
      );
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Writes `megabytes` of random data to `path` inside the user namespace (where the volume's owners apply). */
export async function writeRandomFile(path: string, megabytes: number): Promise<void> {
  await execa('podman', ['unshare', 'dd', 'if=/dev/urandom', `of=${path}`, 'bs=1M', `count=${megabytes}`]);
}
