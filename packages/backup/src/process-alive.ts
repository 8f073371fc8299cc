import { hostname } from 'node:os';

/** True when `pid` runs on this machine (EPERM means it runs as someone else: still alive). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A writer or lock holder is known dead only when it ran on this host and its pid is gone. */
export function isDeadHere(owner: { pid: number; host: string }): boolean {
  return owner.host === hostname() && !isProcessAlive(owner.pid);
}
