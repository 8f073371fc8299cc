import { signalExitCode } from '@phoenix-hydra/podman-adapter/user-namespace';

/** The first SIGINT or SIGTERM this process received while a command listened for it; null if none. */
let received: NodeJS.Signals | null = null;

/** The exit code of a command stopped by a signal (128 + its number), or null. */
export function interruptedExitCode(): number | null {
  return received === null ? null : signalExitCode(received);
}

/**
 * A repeat within this long is the same stop, not a second one: Ctrl-C in a terminal (or systemd's
 * control-group kill) signals every process of the group, and the outer process of a command re-run
 * inside `podman unshare` forwards the same signal to it again.
 */
const SAME_STOP_MS = 1000;

/**
 * An AbortSignal fired by the first SIGINT or SIGTERM, so a long command (backup, restore, status
 * --watch) stops cleanly: partial files removed, stopped containers started again, the lock released.
 * Another signal while it cleans up (more than a second later) stops the process at once. `quiet`
 * leaves out the notice on stderr (status --watch stops silently).
 */
export function interruptSignal(options: { quiet?: boolean } = {}): {
  signal: AbortSignal;
  dispose: () => void;
} {
  const controller = new AbortController();
  let firstAt = 0;
  const handle = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      if (performance.now() - firstAt < SAME_STOP_MS) return;
      dispose(); // no listener left: the signal's default action ends the process
      process.kill(process.pid, signal);
      return;
    }
    received ??= signal;
    firstAt = performance.now();
    if (!options.quiet)
      process.stderr.write(`${signal} received: stopping cleanly (send it again to stop at once)\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  const onInt = () => handle('SIGINT');
  const onTerm = () => handle('SIGTERM');
  const dispose = () => process.off('SIGINT', onInt).off('SIGTERM', onTerm);
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  return { signal: controller.signal, dispose };
}
