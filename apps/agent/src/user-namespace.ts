import { PhoenixError } from '@phoenix-hydra/core';
import { rerunInUserNamespace as rerun } from '@phoenix-hydra/podman-adapter/user-namespace';

export { needsUserNamespace } from '@phoenix-hydra/podman-adapter/user-namespace';

/**
 * Runs this same program again inside `podman unshare` (see the adapter's rerunInUserNamespace:
 * SIGTERM and SIGINT reach the agent inside, which stops cleanly); resolves its exit code.
 */
export async function rerunInUserNamespace(argv: readonly string[]): Promise<number> {
  const script = process.argv[1];
  if (script === undefined) throw new PhoenixError('INTERNAL', 'cannot tell which script runs the agent');
  try {
    return await rerun([process.execPath, ...process.execArgv, script, ...argv]);
  } catch (error) {
    throw new PhoenixError('PODMAN_MISSING', `cannot enter the user namespace: ${(error as Error).message}`, {
      hint: 'sudo apt-get install podman uidmap slirp4netns',
      cause: error,
    });
  }
}
