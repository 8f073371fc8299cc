import { fileURLToPath } from 'node:url';
import {
  detectRemotePodman,
  needsUserNamespace,
  rerunInUserNamespace as rerun,
} from '@phoenix-hydra/podman-adapter/user-namespace';
import { stopsItself } from './interrupt.ts';

export { needsUserNamespace };

/**
 * Whether a command that reads or writes subuid-owned files re-runs itself inside `podman unshare`: as a
 * non-root user of a local podman. Through a remote podman there is no namespace to enter; helper
 * containers do that work on the machine.
 */
export async function entersUserNamespace(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return needsUserNamespace(env) && !(await detectRemotePodman({ env })).remote;
}

const BIN = fileURLToPath(new URL('../bin/phoenix-volumes.js', import.meta.url));

/**
 * Runs this same command again inside `podman unshare`, stdio passed through; returns its exit code.
 * Called before any command module loads: this outer process only waits (SIGINT and SIGTERM go to the
 * command inside, which stops cleanly), so it stays small.
 */
export async function rerunInUserNamespace(argv: readonly string[]): Promise<number> {
  const release = stopsItself(); // it forwards SIGINT/SIGTERM to the command inside
  try {
    return await rerun([process.execPath, BIN, ...argv]);
  } catch (error) {
    // Loaded only on failure: @phoenix-hydra/core brings zod and yaml, which this process never needs.
    const { PhoenixError } = await import('@phoenix-hydra/core');
    throw new PhoenixError('PODMAN_MISSING', `cannot enter the user namespace: ${(error as Error).message}`, {
      hint: 'sudo apt-get install podman uidmap slirp4netns',
      cause: error,
    });
  } finally {
    release();
  }
}

/**
 * The commands that change files through podman's user namespace, and the options with which they do:
 * the one list the remote-podman refusal reads (their actions re-run in `podman unshare` or call it).
 * setup, doctor --fix, logs rotate, nginx deploy, cleanup and adopt are not here: through a remote podman they work in helper containers (see volumeFilesFor).
 */
const viaRepo = (o: Record<string, unknown>) => o.repo !== undefined || o.offsite === true;

const NEEDS_NAMESPACE: Readonly<Record<string, (options: Record<string, unknown>) => boolean>> = {
  // Without a restic repository they stream archives through helper containers (not yet with one).
  'backup create': viaRepo,
  restore: viaRepo,
};

/** What works through a remote podman today, and how to run the rest: shown with PODMAN_REMOTE_UNSUPPORTED. */
export const REMOTE_HINT =
  'config, setup, status, check, doctor (with --fix), logs rotate, nginx deploy, cleanup, adopt, backup create and restore (without --repo/--offsite) work through a remote podman; for the rest run ' +
  'phoenix-volumes on the machine that runs the containers: podman machine ssh, then the same command there';

/**
 * Refuses, before the command loads or changes anything, a command that needs the user namespace when
 * podman is a remote client (podman machine, CONTAINER_HOST), where `podman unshare` cannot run: exit 2
 * with PODMAN_REMOTE_UNSUPPORTED instead of podman's raw exit 125 half way through. `command` is the
 * command's path (`backup create`); a process already inside the namespace is not asked again.
 */
export async function refuseRemotePodman(
  command: string,
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (!NEEDS_NAMESPACE[command]?.(options) || env._CONTAINERS_USERNS_CONFIGURED !== undefined) return;
  const location = await detectRemotePodman({ env });
  if (!location.remote) return;
  const { PhoenixError } = await import('@phoenix-hydra/core');
  throw new PhoenixError(
    'PODMAN_REMOTE_UNSUPPORTED',
    `${command} needs podman's user namespace (podman unshare), which a remote podman client cannot enter (${location.reason})`,
    { hint: REMOTE_HINT, details: { command, reason: location.reason } },
  );
}
