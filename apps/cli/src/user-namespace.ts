import { fileURLToPath } from 'node:url';
import { rerunInUserNamespace as rerun } from '@phoenix-hydra/podman-adapter/user-namespace';

export { needsUserNamespace } from '@phoenix-hydra/podman-adapter/user-namespace';

const BIN = fileURLToPath(new URL('../bin/phoenix-volumes.js', import.meta.url));

/**
 * Runs this same command again inside `podman unshare`, stdio passed through; returns its exit code.
 * Called before any command module loads: this outer process only waits (SIGINT and SIGTERM go to the
 * command inside, which stops cleanly), so it stays small.
 */
export async function rerunInUserNamespace(argv: readonly string[]): Promise<number> {
  try {
    return await rerun([process.execPath, BIN, ...argv]);
  } catch (error) {
    // Loaded only on failure: @phoenix-hydra/core brings zod and yaml, which this process never needs.
    const { PhoenixError } = await import('@phoenix-hydra/core');
    throw new PhoenixError('PODMAN_MISSING', `cannot enter the user namespace: ${(error as Error).message}`, {
      hint: 'sudo apt-get install podman uidmap slirp4netns',
      cause: error,
    });
  }
}
