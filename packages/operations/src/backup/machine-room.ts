import type { RestoreFileSystems } from '@phoenix-hydra/backup';
import { PhoenixError, type Stack, toMachinePath } from '@phoenix-hydra/core';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { helperImage } from './remote-tar.ts';

/**
 * The machine's file systems as a remote podman (podman machine) has them, for `checkRoom`: one read-only
 * helper container per directory runs `stat -f` on it (GNU and busybox alike), so a restore that would not
 * fit is refused before any container is stopped, as it is locally.
 */
export function machineFileSystems(
  podman: Podman,
  stack: Stack,
  platform: NodeJS.Platform = process.platform,
): RestoreFileSystems {
  const seen = new Map<string, Promise<{ id: string; free: number }>>();
  const look = (dir: string) => {
    let found = seen.get(dir);
    if (found === undefined) {
      found = statOnMachine(podman, stack, dir, platform);
      seen.set(dir, found);
    }
    return found;
  };
  return {
    device: async (dir) => (await look(dir)).id,
    freeBytes: async (dir) => (await look(dir)).free,
  };
}

async function statOnMachine(
  podman: Podman,
  stack: Stack,
  dir: string,
  platform: NodeJS.Platform,
): Promise<{ id: string; free: number }> {
  const machine = toMachinePath(dir, platform);
  const spec = stack.volumes[0];
  if (machine === null || spec === undefined) {
    throw new PhoenixError('USAGE', `${dir} is not a directory a podman machine can reach`);
  }
  const image = await helperImage(podman, stack, spec);
  // podman refuses to mount a directory that does not exist: checkRoom reports it as missing.
  const r = await podman
    .run(image, ['-f', '-c', '%i %a %S', '--', machine], {
      user: '0:0',
      entrypoint: 'stat',
      mounts: [{ source: machine, target: machine, options: ['ro'] }],
    })
    .catch((error: unknown) => {
      // podman: `statfs <dir>: no such file or directory`: checkRoom names the missing directory.
      if (/no such file or directory/i.test(String((error as Error).message)))
        throw new Error(`${dir}: ENOENT`);
      throw error;
    });
  const [id, available, blockSize] = r.stdout.trim().split(/\s+/);
  const free = Number(available) * Number(blockSize);
  if (r.exitCode !== 0 || id === undefined || !Number.isFinite(free)) {
    throw new PhoenixError(
      'PODMAN_FAILED',
      `could not read the free space of ${dir} on the machine: ${r.stderr.trim()}`,
    );
  }
  return { id, free };
}
