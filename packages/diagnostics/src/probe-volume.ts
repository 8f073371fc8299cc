import type { Stack, VolumeSpec } from '@phoenix-hydra/core';
import { callAllowFail, type Podman } from '@phoenix-hydra/podman-adapter';
import type { CheckResult } from './check-result.ts';

const TARGET = '/phoenix-probe';
// Constant scripts run by the container's sh: no user data is ever interpolated into them.
const WRITE_SCRIPT = `p=${TARGET}/.phoenix-write-probe-$$; echo probe > "$p" && rm -f "$p"`;
const READ_SCRIPT = `ls -A ${TARGET} > /dev/null && for f in ${TARGET}/*.conf; do [ ! -e "$f" ] || head -c 1 "$f" > /dev/null || exit 1; done`;

/** The image the volume's first service runs, which is what will really touch the data. */
export function probeImage(stack: Stack, spec: VolumeSpec, override?: string): string | undefined {
  if (override) return override;
  for (const name of spec.services) {
    const image = stack.services.find((s) => s.name === name)?.image;
    if (image) return image;
  }
  return undefined;
}

/** Writes (or, for read-only volumes, reads) the volume as its container user in a throwaway container. */
export async function probeVolume(
  podman: Podman,
  stack: Stack,
  spec: VolumeSpec,
  options: { image?: string | undefined } = {},
): Promise<CheckResult> {
  const check = spec.readOnly ? 'read-probe' : 'write-probe';
  const base = { check, volume: spec.name };
  const image = probeImage(stack, spec, options.image);
  if (!image) {
    return {
      ...base,
      status: 'skip',
      message: 'no service image to probe with',
      hint: 'pass --probe-image IMAGE',
    };
  }
  const exists = await callAllowFail(podman.config, ['image', 'exists', '--', image]);
  if (exists.exitCode !== 0) {
    return {
      ...base,
      status: 'skip',
      message: `image ${image} is not present locally, so no probe ran`,
      hint: `podman pull ${image} (or pass --probe-image IMAGE)`,
    };
  }
  const labelOptions = spec.selinux === 'none' ? [] : [spec.selinux];
  const result = await podman.run(image, ['-c', spec.readOnly ? READ_SCRIPT : WRITE_SCRIPT], {
    user: spec.owner,
    entrypoint: 'sh',
    mounts: [
      { source: spec.hostPath, target: TARGET, options: [...(spec.readOnly ? ['ro'] : []), ...labelOptions] },
    ],
  });
  const who = `${spec.owner.uid}:${spec.owner.gid}`;
  const verb = spec.readOnly ? 'read' : 'write';
  if (result.exitCode === 0) {
    return {
      ...base,
      status: 'pass',
      message: `a container running as ${who} can ${verb} it`,
      evidence: { image },
    };
  }
  const said = result.stderr.trim().split('\n').pop() ?? '';
  return {
    ...base,
    status: 'fail',
    message: `a container running as ${who} cannot ${verb} it: ${said}`,
    hint: 'phoenix-volumes setup (gives the directory to the container user through podman unshare)',
    evidence: { image, exitCode: result.exitCode, stderr: result.stderr.trim() },
  };
}
