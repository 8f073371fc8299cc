import type { Podman } from './podman.ts';
import type { ProbeMount } from './run.ts';

/**
 * Runs one fixed sh script on the machine (operations' remote jobs, diagnostics' remote scan): `sh -c SCRIPT sh ARGS…` in a throwaway
 * container of `image` as root of the user namespace, with only `mounts`. The arguments reach the
 * script as "$@" data, never as shell text; the exit code and output are the caller's to read.
 */
export function runHelperScript(
  podman: Podman,
  image: string,
  script: string,
  args: readonly string[],
  options: { mounts: readonly ProbeMount[]; timeoutMs?: number },
): ReturnType<Podman['run']> {
  return podman.run(image, ['-c', script, 'sh', ...args], {
    user: '0:0',
    entrypoint: 'sh',
    mounts: options.mounts,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
}
