import { type JournalState, repairSwap } from '@phoenix-hydra/backup';
import { isPhoenixError, machineParentOf, type Stack } from '@phoenix-hydra/core';
import { type Podman, type VolumeFileOp, volumeFilesFor } from '@phoenix-hydra/podman-adapter';
import { helperImage } from './remote-tar.ts';

/**
 * backup's repairSwap for a swap on the machine behind a remote podman (podman machine): the same
 * decisions and sentences, with the three names looked at, renamed and removed by helper containers
 * mounting the directory that holds them (its machine path), not on this computer. Nothing when that
 * directory does not exist. Safe to run again.
 */
export async function repairSwapOnMachine(
  podman: Podman,
  stack: Stack,
  swap: JournalState['swaps'][number],
  operation = 'restore',
  platform: NodeJS.Platform = process.platform,
): Promise<string[]> {
  const { parent } = machineParentOf(swap.target, platform);
  const name = (path: string) => machineParentOf(path, platform).name;
  const spec = stack.volumes.find((v) => v.hostPath === swap.target) ?? stack.volumes[0];
  if (spec === undefined) return [];
  const at = { source: parent, path: parent, image: await helperImage(podman, stack, spec) };
  const files = await volumeFilesFor(podman);
  const batch = (ops: VolumeFileOp[]) => files.batch(at, ops);
  return repairSwap(
    swap,
    async (path) => {
      await batch([{ op: 'remove', path: name(path) }]);
    },
    operation,
    {
      async exist(paths) {
        try {
          const stats = await batch(paths.map((path) => ({ op: 'stat', path: name(path) })));
          return stats.map((r) => r.op === 'stat' && r.stat !== null);
        } catch (error) {
          // podman refuses a bind source that does not exist: then none of the paths in it exists either.
          const stderr = String((error as { details?: { stderr?: unknown } }).details?.stderr ?? '');
          if (isPhoenixError(error) && /no such file or directory/i.test(stderr))
            return paths.map(() => false);
          throw error;
        }
      },
      async rename(from, to) {
        await batch([{ op: 'rename', path: name(from), to: name(to) }]);
      },
    },
  );
}
