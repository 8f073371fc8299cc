import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { PhoenixError } from '@phoenix-hydra/core';

/**
 * True when the agent must move into the rootless user namespace first: there it reads subuid-owned
 * files (postgres's db_data), backs them up with their container-side owners, and sees mounts made with
 * `podman unshare mount`. As root, or already inside (`podman unshare` sets _CONTAINERS_USERNS_CONFIGURED), not.
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
 * Runs this same program again inside `podman unshare`, stdio passed through; resolves its exit code.
 * podman unshare does not pass signals on to its child, so SIGTERM and SIGINT are sent to the agent
 * inside directly: it then stops cleanly (a running backup finishes or is aborted, no partial files).
 */
export function rerunInUserNamespace(argv: readonly string[]): Promise<number> {
  const script = process.argv[1];
  if (script === undefined) throw new PhoenixError('INTERNAL', 'cannot tell which script runs the agent');
  return new Promise((resolve, reject) => {
    const child = spawn('podman', ['unshare', process.execPath, ...process.execArgv, script, ...argv], {
      stdio: 'inherit',
    });
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
      reject(
        new PhoenixError('PODMAN_MISSING', `cannot enter the user namespace: ${error.message}`, {
          hint: 'sudo apt-get install podman uidmap slirp4netns',
          cause: error,
        }),
      );
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt).off('SIGTERM', onTerm);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 143));
    });
  });
}
