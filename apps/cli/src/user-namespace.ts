import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/phoenix-volumes.js', import.meta.url));

/**
 * True when this process must move into the rootless user namespace first: there, files owned by
 * subordinate ids (postgres's 999 → host 100998) are readable and keep their container-side owners.
 */
export function needsUserNamespace(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.getuid?.() !== 0 && env._CONTAINERS_USERNS_CONFIGURED === undefined;
}

/**
 * Runs this same command again inside `podman unshare` (argument array, stdio passed through); returns its
 * exit code. Called before any command module loads: this outer process only waits, so it stays small.
 */
export function rerunInUserNamespace(argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', ['unshare', process.execPath, BIN, ...argv], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt).on('SIGTERM', onTerm);
    child.on('error', (error) => {
      // Loaded only on failure: @phoenix-hydra/core brings zod and yaml, which this process never needs.
      import('@phoenix-hydra/core').then(
        ({ PhoenixError }) =>
          reject(
            new PhoenixError('PODMAN_MISSING', `cannot enter the user namespace: ${error.message}`, {
              hint: 'sudo apt-get install podman uidmap slirp4netns',
              cause: error,
            }),
          ),
        reject,
      );
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt).off('SIGTERM', onTerm);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 143));
    });
  });
}
