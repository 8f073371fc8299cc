import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** A killed process whose parent has not reaped it yet: it answers signals but will never write again. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** True when `pid` runs on this machine (EPERM means it runs as someone else: still alive); zombies are dead. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' && !isZombie(pid);
  }
}

/** A writer or lock holder is known dead only when it ran on this host and its pid is gone. */
export function isDeadHere(owner: { pid: number; host: string }): boolean {
  return owner.host === hostname() && !isProcessAlive(owner.pid);
}
