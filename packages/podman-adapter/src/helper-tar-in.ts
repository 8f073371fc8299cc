import type { Readable } from 'node:stream';
import { PhoenixError } from '@phoenix-hydra/core';
import { HELPER_ROOT, helperContainerArgs, newHelperName, removeContainer } from './helper-files.ts';
import { callAllowFail, type RunnerConfig } from './runner.ts';
import type { VolumeTarget } from './volume-files.ts';

/**
 * The one fixed script a restore helper runs, in the directory holding the volume's directory: refuses
 * when the kept-data name is taken, extracts stdin (a tar Node already checked) into a new staging
 * directory with numeric owners and modes, then swaps with two renames as a local restore does (the old
 * data kept under its pre-restore name, the first rename undone when the second fails). Staging is
 * removed when extraction fails. Names are its arguments, never shell text. Prints `swapped kept|new`.
 */
export const TAR_IN_SCRIPT = `cd "$1" || exit 3
t=$2 s=$3 p=$4 k=new
there() { [ -e "$1" ] || [ -L "$1" ]; }
if there "$p" || there "$s"; then echo "$p or $s already exists" >&2; exit 4; fi
mkdir -m 700 -- "$s" || exit 5
if ! tar -x --numeric-owner -p -f - -C "$s"; then rm -rf -- "$s"; exit 6; fi
if there "$t"; then mv -- "$t" "$p" || { rm -rf -- "$s"; exit 7; }; k=kept; fi
if ! mv -- "$s" "$t"; then [ "$k" = kept ] && mv -- "$p" "$t"; exit 8; fi
echo "swapped $k"
`;

/** Names of a helper restore, relative to the directory holding the volume's directory. */
export interface HelperSwap {
  target: string;
  staging: string;
  previous: string;
}

function plainName(name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0'))
    throw new PhoenixError('USAGE', `not a plain directory name: ${JSON.stringify(name)}`);
  return name;
}

/**
 * Restores a volume's directory on the machine through a remote podman: one helper container mounting the
 * directory that holds it (`parent.source`, a path on the machine) extracts `tar` into staging and swaps
 * it in. Resolves whether old data was kept. The container is removed however it ended.
 */
export async function helperTarIn(
  config: RunnerConfig,
  parent: VolumeTarget,
  swap: HelperSwap,
  tar: Readable,
  signal?: AbortSignal,
): Promise<{ kept: boolean }> {
  const name = await newHelperName(config);
  const names = [plainName(swap.target), plainName(swap.staging), plainName(swap.previous)];
  const argv = [
    ...helperContainerArgs(parent, name, { stdin: true }),
    '-c',
    TAR_IN_SCRIPT,
    'sh',
    HELPER_ROOT,
    ...names,
  ];
  let result: Awaited<ReturnType<typeof callAllowFail>>;
  try {
    result = await callAllowFail(config, argv, { stdin: tar, signal, timeoutMs: config.streamTimeoutMs });
  } finally {
    await removeContainer(config, name);
  }
  const answer = /^swapped (kept|new)$/m.exec(result.stdout);
  if (result.exitCode !== 0 || answer === null) {
    const reason =
      result.stderr
        .trim()
        .split('\n')
        .at(-1)
        ?.replace(/^Error: /, '') || `exit code ${result.exitCode}`;
    throw new PhoenixError(
      'RESTORE_FAILED',
      `restoring ${swap.target} in a helper container failed: ${reason}`,
      {
        hint:
          result.exitCode === 7 || result.exitCode === 8
            ? `look at ${swap.target}, ${swap.staging} and ${swap.previous} on the machine (podman machine ssh)`
            : 'nothing was changed',
        details: { exitCode: result.exitCode, stderr: result.stderr },
      },
    );
  }
  return { kept: answer[1] === 'kept' };
}
