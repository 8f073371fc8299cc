import type { Stack, VolumeSpec } from '@phoenix-hydra/core';

/** The image the volume's first service runs, which is what will really touch the data. */
export function probeImage(stack: Stack, spec: VolumeSpec, override?: string): string | undefined {
  if (override) return override;
  for (const name of spec.services) {
    const image = stack.services.find((s) => s.name === name)?.image;
    if (image) return image;
  }
  return undefined;
}
