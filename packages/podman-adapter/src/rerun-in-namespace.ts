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

/**
 * Runs `command` (program and arguments, no shell) inside `podman unshare`, stdio passed through;
 * resolves its exit code (128 + signal number style: 130 for SIGINT, 143 for SIGTERM). podman unshare
 * does not pass signals on, and killing it leaves its child running, so SIGINT and SIGTERM received
 * here are sent to the process inside: it stops cleanly (a running backup is aborted, no partial
 * files) and its exit code comes back. Rejects with the spawn error when podman cannot be started.
 */
export function rerunInUserNamespace(command: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', ['unshare', ...command], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => () => {
      const pid = child.pid;
      const inner = pid === undefined ? [] : childrenOf(pid);
      if (inner.length === 0) child.kill(signal);
      for (const p of inner) process.kill(p, signal);
    };
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt).on('SIGTERM', onTerm);
    child.on('error', (error) => {
      process.off('SIGINT', onInt).off('SIGTERM', onTerm);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt).off('SIGTERM', onTerm);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 143));
    });
  });
}
