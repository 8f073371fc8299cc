import type { Stack, VolumeSpec } from '@phoenix-hydra/core';
import type { Podman, VolumeTarget } from '@phoenix-hydra/podman-adapter';
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
