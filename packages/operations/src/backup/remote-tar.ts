import type { BackupVolume } from '@phoenix-hydra/backup';
import { PhoenixError, type Stack, type VolumeSpec } from '@phoenix-hydra/core';
import { helperTarOut, type Podman } from '@phoenix-hydra/podman-adapter';

/**
 * The image a volume's tar helper runs: the volume's own service image, else any image of the stack,
 * whichever the machine already has (helpers never pull).
 */
export async function helperImage(podman: Podman, stack: Stack, spec: VolumeSpec): Promise<string> {
  const own = spec.services.flatMap((name) => stack.services.find((s) => s.name === name)?.image ?? []);
  const all = stack.services.flatMap((s) => s.image ?? []);
  for (const image of new Set([...own, ...all])) if (await podman.imageExists(image)) return image;
  throw new PhoenixError(
    'PODMAN_FAILED',
    `no image of ${stack.project} is on the machine podman runs on, so no helper container can read volume ${spec.name}`,
    { hint: "podman-compose pull   # helpers run the stack's own image and never pull" },
  );
}

/**
 * Through a remote podman (podman machine) the volume's data is on the machine, not here: each archived
 * volume is read as a tar stream from one helper container mounting its named volume (`<project>_<volume>`),
 * and createBackup rewrites it into the usual archive. Locally, the volumes are returned unchanged.
 */
export async function throughHelpers(
  podman: Podman,
  stack: Stack,
  volumes: BackupVolume[],
): Promise<BackupVolume[]> {
  if (!(await podman.remote()).remote) return volumes;
  return Promise.all(
    volumes.map(async (volume) => {
      if (volume.strategy !== 'archive') return volume;
      const spec = stack.volumes.find((v) => v.name === volume.name);
      if (!spec) return volume;
      const target = {
        source: `${stack.project}_${spec.name}`,
        path: spec.hostPath,
        image: await helperImage(podman, stack, spec),
      };
      return { ...volume, tar: (signal?: AbortSignal) => helperTarOut(podman.config, target, signal) };
    }),
  );
}
