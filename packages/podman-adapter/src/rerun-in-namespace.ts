// Kept free of execa, zod and core: the CLI's outer process loads only this before it re-runs itself.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * True when a process must move into the rootless user namespace first: there, files owned by
 * subordinate ids (postgres's 999 → host 100998) are readable, keep their container-side owners, and
 * mounts made with `podman unshare mount` are visible. As root, or already inside (`podman unshare`
 * sets _CONTAINERS_USERNS_CONFIGURED), not.
 */
export function needsUserNamespace(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.getuid?.() !== 0 && env._CONTAINERS_USERNS_CONFIGURED === undefined;
}

/** Pids whose parent is `pid`, from /proc (podman's threads may have started them: the parent is its tgid). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may contain spaces and parentheses: split after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** True when `pid` runs `program` (its argv[0]); false when it is gone or something else. */
function runs(pid: number, program: string | undefined): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === program;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `command` (program and arguments, no shell) inside `podman unshare`, stdio passed through;
 * resolves its exit code (128 + signal number style: 130 for SIGINT, 143 for SIGTERM). podman unshare
 * does not pass signals on, and killing it leaves its child running, so SIGINT and SIGTERM received
 * here are sent to the process inside: it stops cleanly (a running backup is aborted, no partial
 * files). A Ctrl-C in a terminal also reaches podman, which then exits at once: the command inside is
 * waited for all the same, so the prompt comes back only once it has cleaned up. Rejects with the
 * spawn error when podman cannot be started.
 */
export function rerunInUserNamespace(command: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', ['unshare', ...command], { stdio: 'inherit' });
    let inner: number[] = [];
    let received: NodeJS.Signals | null = null;
    // The process inside, found as soon as podman has started it (it may outlive podman). Only the
    // command itself: the first podman call may also start podman's long-lived pause process.
    const find = () => {
      if (child.pid !== undefined && inner.length === 0)
        inner = childrenOf(child.pid).filter((pid) => runs(pid, command[0]));
    };
    const finder = setInterval(() => {
      find();
      if (inner.length > 0) clearInterval(finder);
    }, 25);
    const forward = (signal: NodeJS.Signals) => () => {
      received ??= signal;
      find();
      if (inner.length === 0) child.kill(signal);
      for (const p of inner) if (alive(p)) process.kill(p, signal);
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
      const byPodman = code ?? (signal === 'SIGINT' ? 130 : 143);
      if (!inner.some(alive)) {
        done();
        resolve(byPodman); // podman waited for the command: this is the command's own exit code
        return;
      }
      // podman left first (a Ctrl-C reached it too): the command's code is lost, the signal's stands in.
      const wait = setInterval(() => {
        if (inner.some(alive)) return;
        clearInterval(wait);
        done();
        resolve(received === null ? byPodman : received === 'SIGINT' ? 130 : 143);
      }, 50);
    });
  });
}
