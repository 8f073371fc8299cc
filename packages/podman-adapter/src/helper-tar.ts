import { PhoenixError } from '@phoenix-hydra/core';
import { HELPER_ROOT, helperContainerArgs, newHelperName, removeContainer } from './helper-files.ts';
import type { RunnerConfig } from './runner.ts';
import { callStream } from './stream.ts';
import type { VolumeTarget } from './volume-files.ts';

/**
 * The one fixed script a tar helper runs: the volume root as a tar stream on stdout, owners as numbers
 * (GNU tar's --numeric-owner where the image's tar has it; busybox writes the numbers anyway). GNU
 * tar's exit 1 (a file changed while read: a live log) still wrote a whole archive, as a local live
 * backup would have; anything else fails the backup.
 */
export const TAR_OUT_SCRIPT = `cd "$1" || exit 3
if tar --help 2>&1 | grep -q -e --numeric-owner; then tar -c --numeric-owner -f - .; else tar -c -f - .; fi
r=$?
[ "$r" -eq 1 ] && exit 0
exit "$r"
`;

/** The `podman run` arguments of a tar helper: the volume read-only, its fixed script. */
export function tarOutRunArgs(target: VolumeTarget, name: string): string[] {
  return [
    ...helperContainerArgs(target, name, { stdin: false, readOnly: true }),
    '-c',
    TAR_OUT_SCRIPT,
    'sh',
    HELPER_ROOT,
  ];
}

/**
 * A volume's tree as a tar stream from one throwaway helper container (the stack's own image) through
 * a remote podman, read as it comes (backpressure reaches the container). Ends only when the helper
 * exited 0; the container is removed at the end however it ended (the reader failed, `signal` aborted).
 */
export function helperTarOut(
  config: RunnerConfig,
  target: VolumeTarget,
  signal?: AbortSignal,
): AsyncIterable<Buffer> {
  return (async function* () {
    const name = await newHelperName(config);
    const call = callStream(config, tarOutRunArgs(target, name));
    call.done.catch(() => {}); // surfaces through stdout
    const stop = () => call.stdout.destroy();
    signal?.addEventListener('abort', stop, { once: true });
    let finished = false;
    try {
      for await (const chunk of call.stdout) yield chunk as Buffer;
      await call.done;
      finished = true;
    } catch (error) {
      throw explain(error, target);
    } finally {
      signal?.removeEventListener('abort', stop);
      if (!finished) {
        call.stdout.destroy();
        await call.done.catch(() => {});
      }
      await removeContainer(config, name);
    }
  })();
}

/** podman's exit 125-127 means the helper never ran: most often the image is not on the machine. */
function explain(error: unknown, target: VolumeTarget): unknown {
  const exitCode = (error as PhoenixError).details?.exitCode;
  if (!(error instanceof PhoenixError) || (exitCode !== 125 && exitCode !== 126 && exitCode !== 127))
    return error;
  return new PhoenixError(
    'PODMAN_FAILED',
    `helper container for ${target.source} could not start: ${error.message}`,
    {
      hint: `podman image exists ${target.image} || podman-compose pull   # the helper runs the stack's own image, never pulls`,
      details: error.details,
      cause: error,
    },
  );
}
