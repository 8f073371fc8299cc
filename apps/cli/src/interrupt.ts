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
  const release = stopsItself();
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
  const dispose = () => {
    process.off('SIGINT', onInt).off('SIGTERM', onTerm);
    release();
  };
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  return { signal: controller.signal, dispose };
}

/** How many parts of this process stop the command themselves on a signal, so stopOnSignal stays out. */
let stoppedElsewhere = 0;

/** Declares that the caller stops the command on SIGINT/SIGTERM itself, until the returned release. */
export function stopsItself(): () => void {
  stoppedElsewhere += 1;
  let released = false;
  return () => {
    if (!released) stoppedElsewhere -= 1;
    released = true;
  };
}

/** How long a stopped command may take to remove the helper containers it started. */
const REMOVE_HELPERS_MS = 10_000;

/**
 * The stop of every command that does not listen for signals itself (doctor, check, setup, nginx test…):
 * the first SIGINT or SIGTERM removes the helper and probe containers the command started and has not
 * removed yet (through podman machine they would run on, and each postgres one keeps a volume), says so
 * and ends the process with 130/143. It stays out while the command stops itself (interruptSignal, or the
 * outer process forwarding signals into `podman unshare`: stopsItself), and a signal after such a stop ends
 * the process at once. (Not by counting listeners: execa's signal-exit listens while a child runs.)
 */
export function stopOnSignal(
  removeHelpers: () => Promise<string[]> = async () =>
    (await import('@phoenix-hydra/podman-adapter')).removeStartedHelpers(),
): void {
  let firstAt = Number.NEGATIVE_INFINITY;
  const handle = (signal: NodeJS.Signals) => {
    if (stoppedElsewhere > 0) return;
    if (performance.now() - firstAt < SAME_STOP_MS) return; // the same stop, forwarded again
    if (received !== null) {
      // Told again (while removing, or after the command's own clean stop): at once, by the signal itself.
      process.off('SIGINT', onInt).off('SIGTERM', onTerm);
      process.kill(process.pid, signal);
      return;
    }
    // Still listening meanwhile: execa's signal-exit, alone on the signal, would end the process at once.
    received = signal;
    firstAt = performance.now();
    void (async () => {
      const timeout = new Promise<null>((resolve) => setTimeout(resolve, REMOVE_HELPERS_MS, null).unref());
      const removed = await Promise.race([removeHelpers().catch(() => null), timeout]);
      const what =
        removed === null
          ? `; the helper containers it started could not be removed within ${REMOVE_HELPERS_MS / 1000} s (the next command removes them)`
          : removed.length > 0
            ? `; removed the ${removed.length === 1 ? 'helper container' : `${removed.length} helper containers`} it had started (${removed.join(', ')})`
            : '';
      process.stderr.write(`${signal} received: stopped${what}\n`);
      process.exit(signalExitCode(signal));
    })();
  };
  const onInt = () => handle('SIGINT');
  const onTerm = () => handle('SIGTERM');
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);
}
