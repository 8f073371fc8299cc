// Kept free of execa, zod and core: the CLI's outer process loads only this before it re-runs itself.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { OUTER_PID_ENV } from './outer-process.ts';
import { childrenOf, isRunning, runsProgram } from './process-table.ts';

export { stopWhenOuterProcessExits } from './outer-process.ts';
export { childrenOf, startTimeOf } from './process-table.ts';
export { detectRemotePodman } from './remote-podman.ts';

/**
 * True when a process must move into the rootless user namespace first: there, files owned by
 * subordinate ids (postgres's 999 → host 100998) are readable, keep their container-side owners, and
 * mounts made with `podman unshare mount` are visible. As root, or already inside (`podman unshare`
 * sets _CONTAINERS_USERNS_CONFIGURED), not.
 */
export function needsUserNamespace(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.getuid?.() !== 0 && env._CONTAINERS_USERNS_CONFIGURED === undefined;
}

/**
 * Runs `command` (program and arguments, no shell) inside `podman unshare`, stdio passed through;
 * resolves its exit code (128 + signal number style: 130 for SIGINT, 143 for SIGTERM). podman unshare
 * does not pass signals on, and killing it leaves its child running, so SIGINT and SIGTERM received
 * here are sent to the process inside: it stops cleanly (a running backup is aborted, no partial
 * files). A Ctrl-C in a terminal also reaches podman, which then exits at once: the command inside is
 * waited for all the same, so the prompt comes back only once it has cleaned up. The command gets
 * this process's pid in PHOENIX_OUTER_PID: with stopWhenOuterProcessExits it stops as on SIGTERM
 * when this process is killed (kill -9 reaches nothing inside). Rejects with the spawn error when
 * podman cannot be started.
 */
export function rerunInUserNamespace(command: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', ['unshare', ...command], {
      stdio: 'inherit',
      env: { ...process.env, [OUTER_PID_ENV]: String(process.pid) },
    });
    let inner: number[] = [];
    let received: NodeJS.Signals | null = null;
    const send = (signal: NodeJS.Signals) => {
      for (const pid of inner) if (isRunning(pid)) process.kill(pid, signal);
    };
    // The process inside, found as soon as podman has started it (it may outlive podman). Only the
    // command itself: the first podman call may also start podman's long-lived pause process. podman's
    // child when it joins a running pause process, its grandchild when it re-executes itself first (no
    // pause process yet, or no XDG_RUNTIME_DIR to find it by).
    const find = () => {
      if (child.pid === undefined || inner.length > 0) return;
      inner = descendantsRunning(child.pid, command[0]);
      if (inner.length > 0 && received !== null) send(received); // a signal that came before it started
    };
    const finder = setInterval(() => {
      find();
      if (inner.length > 0) clearInterval(finder);
    }, 25);
    // Not to podman: killing it would leave the command running. One not started yet gets it once found.
    const forward = (signal: NodeJS.Signals) => () => {
      received ??= signal;
      find();
      send(signal);
    };
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt).on('SIGTERM', onTerm);
    const done = () => {
      clearInterval(finder);
      process.off('SIGINT', onInt).off('SIGTERM', onTerm);
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('exit', (code, signal) => {
      const byPodman = code ?? signalExitCode(signal ?? 'SIGTERM');
      if (!inner.some(isRunning)) {
        done();
        resolve(byPodman); // podman waited for the command: this is the command's own exit code
        return;
      }
      // podman left first (a Ctrl-C or systemd's stop reached it too): the command's code is lost,
      // the signal's stands in. A finished command counts as gone even before init collects it.
      const wait = setInterval(() => {
        if (inner.some(isRunning)) return;
        clearInterval(wait);
        done();
        resolve(received === null ? byPodman : signalExitCode(received));
      }, 50);
    });
  });
}

/** The topmost processes under `pid` that run `program`, looked for through podman's own processes only. */
function descendantsRunning(pid: number, program: string | undefined): number[] {
  return childrenOf(pid).flatMap((c) => (runsProgram(c, program) ? [c] : descendantsRunning(c, program)));
}

/** The exit code of a command stopped by `signal`, as shells report it: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}
