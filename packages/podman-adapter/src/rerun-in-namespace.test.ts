import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OUTER_PID_ENV } from './outer-process.ts';
import { isRunning } from './process-table.ts';
import { childrenOf, needsUserNamespace, signalExitCode, startTimeOf } from './rerun-in-namespace.ts';

const MODULE = fileURLToPath(new URL('./rerun-in-namespace.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('user namespace', () => {
  it('finds the processes a parent started, from /proc', () => {
    const child = spawn('sleep', ['5']);
    try {
      expect(childrenOf(process.pid)).toContain(child.pid);
    } finally {
      child.kill();
    }
  });

  it('is entered only by a rootless user not already inside it', () => {
    const rootless = process.getuid?.() !== 0;
    expect(needsUserNamespace({})).toBe(rootless);
    expect(needsUserNamespace({ _CONTAINERS_USERNS_CONFIGURED: 'done' })).toBe(false);
  });

  it('counts a finished process as stopped while it waits to be collected (a zombie)', async () => {
    // sh execs sleep, which never collects the `true` started before: it stays a zombie child of sleep.
    const parent = spawn('sh', ['-c', 'true & exec sleep 5']);
    try {
      let zombie: number | undefined;
      for (let i = 0; i < 100 && zombie === undefined; i++) {
        await sleep(20);
        zombie = childrenOf(parent.pid as number)[0];
      }
      expect(zombie).toBeDefined();
      await sleep(100);
      expect(() => process.kill(zombie as number, 0)).not.toThrow(); // the kernel still lists it
      expect(isRunning(zombie as number)).toBe(false);
      expect(startTimeOf(zombie as number)).toBeNull();
      expect(isRunning(parent.pid as number)).toBe(true);
    } finally {
      parent.kill();
    }
  });

  it('reports a stop by signal as shells do', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });
});

/**
 * Starts a node process as a re-run command would run: PHOENIX_OUTER_PID names `outer`, it watches it
 * and stops cleanly on SIGTERM (exit 143 after printing what it got).
 */
function startInner(outer: number) {
  const script = `
    const { stopWhenOuterProcessExits } = await import(${JSON.stringify(MODULE)});
    stopWhenOuterProcessExits({ intervalMs: 50 });
    process.on('SIGTERM', () => {
      process.stdout.write('SIGTERM, env ' + (process.env.${OUTER_PID_ENV} ?? 'clean') + '\\n');
      process.exit(143);
    });
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000); // at work until stopped
  `;
  const inner = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, [OUTER_PID_ENV]: String(outer) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  inner.stdout.on('data', (c: Buffer) => {
    out += c;
  });
  inner.stderr.on('data', (c: Buffer) => {
    err += c;
  });
  const exited = new Promise<number | null>((r) => inner.on('exit', (code) => r(code)));
  const ready = async () => {
    for (let i = 0; i < 250 && !out.includes('ready'); i++) await sleep(20);
  };
  return { inner, exited, ready, out: () => out, err: () => err };
}

describe('a command re-run inside podman unshare', () => {
  it('stops as on SIGTERM when its outer process is killed with SIGKILL', async () => {
    const outer = spawn('sleep', ['30']);
    const run = startInner(outer.pid as number);
    try {
      await run.ready();
      await sleep(200);
      expect(run.inner.exitCode).toBeNull(); // the outer runs: nothing happens
      outer.kill('SIGKILL');
      const code = await Promise.race([run.exited, sleep(5000).then(() => 'still running')]);
      expect(code).toBe(143);
      expect(run.out()).toContain('SIGTERM, env clean'); // not passed on to what it starts
      expect(run.err()).toMatch(new RegExp(`process that started this one \\(pid ${outer.pid}\\) is gone`));
    } finally {
      outer.kill('SIGKILL');
      run.inner.kill('SIGKILL');
    }
  }, 15_000);
});

describe('rerunInUserNamespace through a podman that re-executes itself first (no pause process yet)', () => {
  it('passes SIGTERM to the command, its grandchild, and returns its exit code; the wait costs no CPU', async () => {
    // A stand-in podman as 4.3 runs `unshare` without a pause process: podman starts podman, which starts
    // the command; neither passes a signal on.
    const dir = await mkdtemp(join(tmpdir(), 'pa-rerun-'));
    await writeFile(join(dir, 'podman'), `#!/bin/sh\nshift\nsh -c '"$@"; exit $?' reexec "$@"\nexit $?\n`);
    await chmod(join(dir, 'podman'), 0o755);
    const command = `process.on('SIGTERM', () => { process.stdout.write('inner: SIGTERM\\n'); process.exit(143); });
      setTimeout(() => {}, 30000);`;
    const outer = `
      const { rerunInUserNamespace } = await import(${JSON.stringify(MODULE)});
      const { readFileSync } = await import('node:fs');
      const ticks = () => readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').slice(11, 13).map(Number);
      setTimeout(() => {
        const [u0, s0] = ticks();
        setTimeout(() => {
          const [u1, s1] = ticks();
          process.stdout.write('outer cpu ticks: ' + (u1 - u0 + s1 - s0) + '\\n');
          process.kill(process.pid, 'SIGTERM');
        }, 1000);
      }, 500);
      process.stdout.write('exit ' + (await rerunInUserNamespace([process.execPath, '-e', ${JSON.stringify(command)}])) + '\\n');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', outer], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    try {
      await Promise.race([new Promise((r) => child.on('exit', r)), sleep(10_000)]);
      expect(out).toContain('inner: SIGTERM');
      expect(out).toContain('exit 143');
      // Looking for the command every 25 ms for as long as it ran cost ~10 % of a core before.
      expect(Number(/outer cpu ticks: (\d+)/.exec(out)?.[1])).toBeLessThanOrEqual(3);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }, 15_000);
});
