import { type Stack, toMachinePath, type VolumeSpec } from '@phoenix-hydra/core';
import type { Podman, VolumeTarget } from '@phoenix-hydra/podman-adapter';
import type { VolumeObservation } from './observe.ts';
import { probeImage } from './probe-volume.ts';

/**
 * Picks the image a helper container runs for a volume: the volume's own service image, else any other
 * image of the stack, whichever the machine already has (helpers never pull). Null when it has none.
 */
export function helperImages(podman: Podman, stack: Stack): (spec?: VolumeSpec) => Promise<string | null> {
  const present = new Map<string, Promise<boolean>>();
  const exists = (image: string) => {
    let found = present.get(image);
    if (found === undefined) {
      found = podman.imageExists(image);
      present.set(image, found);
    }
    return found;
  };
  return async (spec) => {
    const own = spec ? probeImage(stack, spec) : undefined;
    const all = stack.services.map((s) => s.image).filter((i): i is string => Boolean(i));
    for (const image of new Set([...(own ? [own] : []), ...all])) if (await exists(image)) return image;
    return null;
  };
}

/** The named volume (`<project>_<volume>`) a helper mounts to reach a volume's data on the machine. */
export function namedVolumeTarget(stack: Stack, spec: VolumeSpec, image: string): VolumeTarget {
  return { source: `${stack.project}_${spec.name}`, path: spec.hostPath, image };
}

type Bound = Pick<VolumeObservation, 'spec' | 'namedVolume'>;

/**
 * Whether a volume's named volume is bound to its directory: its device is the directory as the machine
 * running podman names it (`C:\Users\x\db_data` is bound by `/mnt/c/Users/x/db_data` from Windows).
 */
export function boundToDirectory(v: Bound, platform: NodeJS.Platform = process.platform): boolean {
  const device = v.namedVolume?.device;
  if (device === null || device === undefined) return false;
  return device === v.spec.hostPath || device === toMachinePath(v.spec.hostPath, platform);
}

/**
 * What a helper container mounts to reach a volume's data on the machine: the named volume when it is
 * bound to the directory, else the directory itself as the machine names it (its path unchanged when the
 * machine cannot reach it by path: podman then refuses it).
 */
export function volumeSource(
  v: Bound & Pick<VolumeObservation, 'podmanVolumeName'>,
  platform: NodeJS.Platform = process.platform,
): string {
  if (boundToDirectory(v, platform)) return v.podmanVolumeName;
  return toMachinePath(v.spec.hostPath, platform) ?? v.spec.hostPath;
}
