import { startTimeOf } from './process-table.ts';

/** Set by rerunInUserNamespace to its own pid for the command it starts inside `podman unshare`. */
export const OUTER_PID_ENV = 'PHOENIX_OUTER_PID';

/** What a re-run command does when its outer process is gone: say so, then stop as SIGTERM would. */
function stopAsOnSigterm(pid: number): void {
  process.stderr.write(`the process that started this one (pid ${pid}) is gone: stopping as on SIGTERM\n`);
  process.kill(process.pid, 'SIGTERM');
}

/**
 * In a command re-run by rerunInUserNamespace: once the outer process is gone (kill -9, which nothing
 * can forward), stops this one as SIGTERM would, so its own handler cleans up instead of the command
 * running on under init unnoticed. PR_SET_PDEATHSIG cannot do it (podman, not the outer process, is
 * the parent, and Node has no prctl): the outer pid and its start time are polled (a reused pid is not
 * taken for it). The variable is removed from `env`, so programs this one starts do not watch it too.
 * Without the variable it does nothing. Returns a function that stops watching.
 */
export function stopWhenOuterProcessExits(
  options: { env?: NodeJS.ProcessEnv; intervalMs?: number; onGone?: (pid: number) => void } = {},
): () => void {
  const env = options.env ?? process.env;
  const value = env[OUTER_PID_ENV];
  delete env[OUTER_PID_ENV];
  const pid = Number(value);
  if (value === undefined || !Number.isSafeInteger(pid) || pid <= 1) return () => {};
  const started = startTimeOf(pid);
  const onGone = options.onGone ?? stopAsOnSigterm;
  const timer = setInterval(() => {
    if (started !== null && startTimeOf(pid) === started) return;
    clearInterval(timer);
    onGone(pid);
  }, options.intervalMs ?? 500);
  timer.unref(); // watching never keeps the command alive
  return () => clearInterval(timer);
}
