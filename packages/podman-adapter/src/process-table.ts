// Reads /proc: kept free of execa, zod and core (the CLI's outer process loads it before anything else).
import { readdirSync, readFileSync } from 'node:fs';

/** Fields of /proc/PID/stat after `(comm)`: [0] state, [1] ppid, …, [19] starttime; null when gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: split after the last ")".
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Pids whose parent is `pid`, from /proc (podman's threads may have started them: the parent is its tgid). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (/^\d+$/.test(name) && Number(statFields(Number(name))?.[1]) === pid) children.push(Number(name));
  }
  return children;
}

/**
 * True while `pid` runs. A zombie has finished: it only waits for its parent (often init, after podman
 * exited first) to collect it, which some inits do seconds later or never, so kill(pid, 0) would keep
 * saying it is there.
 */
export function isRunning(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/**
 * When `pid` started (clock ticks since boot), or null when it does not run: with the pid it names one
 * process, never a later one that reused the number.
 */
export function startTimeOf(pid: number): string | null {
  return isRunning(pid) ? (statFields(pid)?.[19] ?? null) : null;
}

/** True when `pid` runs `program` (its argv[0]); false when it is gone or something else. */
export function runsProgram(pid: number, program: string | undefined): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === program;
  } catch {
    return false;
  }
}
