import { PhoenixError, type Stack, type VolumeSpec } from '@phoenix-hydra/core';

/** The named volumes of the stack, or `fallback` when none were named; an unknown name is a usage error listing the known ones. */
export function selectVolumes(
  stack: Stack,
  names: readonly string[] | undefined,
  fallback: (v: VolumeSpec) => boolean = () => true,
): VolumeSpec[] {
  if (!names || names.length === 0) return stack.volumes.filter(fallback);
  const known = stack.volumes.map((v) => v.name);
  return names.map((name) => {
    const spec = stack.volumes.find((v) => v.name === name);
    if (!spec) {
      throw new PhoenixError('VOLUME_UNKNOWN', `no volume "${name}" in stack ${stack.project}`, {
        hint: `use one of: ${known.join(', ')} (phoenix-volumes config lists them)`,
      });
    }
    return spec;
  });
}
