import type { ServiceSpec, Stack, VolumeSpec } from '@phoenix-hydra/core';

/** The service whose image and user touch the volume: the first that mounts it and names an image. */
export function volumeService(stack: Stack, spec: VolumeSpec): ServiceSpec | undefined {
  for (const name of spec.services) {
    const service = stack.services.find((s) => s.name === name);
    if (service?.image) return service;
  }
  return undefined;
}

/** The image the volume's first service runs, which is what will really touch the data. */
export function probeImage(stack: Stack, spec: VolumeSpec, override?: string): string | undefined {
  if (override) return override;
  for (const name of spec.services) {
    const image = stack.services.find((s) => s.name === name)?.image;
    if (image) return image;
  }
  return undefined;
}
