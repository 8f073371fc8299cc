import { formatMode, formatOwner, PhoenixError, type Stack, type VolumeSpec } from '@phoenix-hydra/core';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { observeStack, type PathState, type VolumeObservation } from '../observe.ts';
import { findVolumeContainers, type VolumeContainer } from '../usage/volume-containers.ts';
import { boundToDirectory } from '../volume-targets.ts';

/** One place where podman's reality differs from the stack's spec. */
export interface Difference {
  /** Stable path of what differs: `podman.device`, `directory.mode`, `mount.readOnly`... */
  field: string;
  container: string | null;
  expected: string;
  actual: string;
  message: string;
  hint: string;
}

/** A named volume as podman has it. */
interface NamedVolumeState {
  name: string;
  exists: boolean;
  driver: string | null;
  options: Record<string, string>;
  /** Where the data really is: the bind device, or podman's `_data` directory for a plain volume. */
  dataDir: string | null;
  mountpoint: string | null;
}

/** A volume's spec next to what podman, the filesystem and the containers really have. */
export interface VolumeInspection {
  name: string;
  spec: VolumeSpec;
  podmanVolume: NamedVolumeState;
  directory: PathState | null;
  containers: VolumeContainer[];
  differences: Difference[];
}

const SETUP = 'phoenix-volumes setup';

function namedVolumeDifferences(v: VolumeObservation): Difference[] {
  const named = v.namedVolume;
  const base = { container: null, expected: `bound to ${v.spec.hostPath}` };
  if (!named) {
    return [
      {
        ...base,
        field: 'podman.volume',
        actual: 'missing',
        message: `podman volume ${v.podmanVolumeName} does not exist; podman-compose 1.0.3 would create it in podman's own storage`,
        hint: SETUP,
      },
    ];
  }
  if (boundToDirectory(v)) return [];
  const actual = named.device ?? `${named.mountpoint} (podman's own storage)`;
  return [
    {
      ...base,
      field: 'podman.device',
      actual,
      message: `podman volume ${named.name} keeps its data in ${actual}, not in ${v.spec.hostPath}`,
      hint: `save what it holds (podman volume export ${named.name} > ${v.spec.name}.tar), podman volume rm ${named.name}, then ${SETUP}`,
    },
  ];
}

function directoryDifferences(v: VolumeObservation): Difference[] {
  const { spec, dir } = v;
  const base = { container: null, hint: SETUP };
  if (dir?.type !== 'directory') {
    const actual = dir ? `a ${dir.type}` : 'missing';
    return [
      {
        ...base,
        field: 'directory',
        expected: 'a directory',
        actual,
        message: `${spec.hostPath} is ${actual}`,
      },
    ];
  }
  const out: Difference[] = [];
  if (dir.mode !== spec.mode) {
    out.push({
      ...base,
      field: 'directory.mode',
      expected: formatMode(spec.mode),
      actual: formatMode(dir.mode),
      message: `${spec.hostPath} has mode ${formatMode(dir.mode)}, not ${formatMode(spec.mode)}`,
    });
  }
  if (dir.owner.uid !== spec.owner.uid || dir.owner.gid !== spec.owner.gid) {
    const actual = `${dir.owner.uid ?? '?'}:${dir.owner.gid ?? '?'} (host ${dir.hostUid}:${dir.hostGid})`;
    out.push({
      ...base,
      field: 'directory.owner',
      expected: formatOwner(spec.owner),
      actual,
      message: `${spec.hostPath} is owned by ${actual} as containers see it, not ${formatOwner(spec.owner)}`,
    });
  }
  return out;
}

function containerDifferences(v: VolumeObservation, c: VolumeContainer): Difference[] {
  const { spec } = v;
  const m = c.mount;
  if (m === null) return [];
  const recreate = `podman-compose up -d --force-recreate ${c.service ?? ''}`.trim();
  const base = { container: c.container, hint: recreate };
  const out: Difference[] = [];
  const differ = (field: string, expected: string, actual: string, message: string) =>
    out.push({ ...base, field, expected, actual, message });
  if (m.destination.replace(/\/+$/, '') !== spec.containerPath.replace(/\/+$/, '')) {
    differ(
      'mount.destination',
      spec.containerPath,
      m.destination,
      `${c.container} mounts it on ${m.destination}`,
    );
  }
  if (m.rw === spec.readOnly) {
    const [expected, actual] = spec.readOnly ? ['ro', 'rw'] : ['rw', 'ro'];
    differ(
      'mount.readOnly',
      expected,
      actual,
      `${c.container} mounts it ${actual}, the spec says ${expected}`,
    );
  }
  if (m.type === 'volume' && m.name !== v.podmanVolumeName) {
    differ(
      'mount.volume',
      v.podmanVolumeName,
      m.name ?? '?',
      `${c.container} mounts podman volume ${m.name}`,
    );
  }
  if (m.type === 'bind' && m.source !== spec.hostPath) {
    differ('mount.source', spec.hostPath, m.source, `${c.container} binds ${m.source}`);
  }
  // podman records `:Z`/`:z` as the mount's Mode; without it the container may be denied on an SELinux host.
  if (spec.selinux !== 'none' && c.mode !== null && !c.mode.split(',').includes(spec.selinux)) {
    differ(
      'mount.selinux',
      spec.selinux,
      c.mode || 'none',
      `${c.container} mounts it without the :${spec.selinux} relabel option (podman recorded "${c.mode}")`,
    );
  }
  const uid = c.user.uid;
  if (!spec.readOnly && uid !== null && uid !== 0 && uid !== spec.owner.uid) {
    out.push({
      ...base,
      field: 'container.user',
      expected: String(spec.owner.uid),
      actual: String(uid),
      message: `${c.container} runs as uid ${uid} but the volume belongs to ${spec.owner.uid}: writes get "Permission denied"`,
      hint: `set user: "${formatOwner(spec.owner)}" for ${c.service ?? 'the service'} in the compose file, or x-phoenix owner: on the volume`,
    });
  }
  return out;
}

/** Every difference between a volume's spec and reality, named volume first. */
export function volumeDifferences(
  v: VolumeObservation,
  containers: readonly VolumeContainer[],
): Difference[] {
  return [
    ...namedVolumeDifferences(v),
    ...directoryDifferences(v),
    ...containers.flatMap((c) => containerDifferences(v, c)),
  ];
}

/** VOLUME_UNKNOWN (exit 2) listing the stack's volumes. */
export function unknownVolumeError(stack: Stack, name: string): PhoenixError {
  const known = stack.volumes.map((v) => v.name).join(', ');
  return new PhoenixError(
    'VOLUME_UNKNOWN',
    `no volume "${name}" in stack ${stack.project}; known volumes: ${known}`,
    {
      hint: 'phoenix-volumes ls   # lists the volumes',
      details: { volume: name, known: stack.volumes.map((v) => v.name) },
    },
  );
}

/** The stack's volumes (or the named ones) next to what podman really has; changes nothing. */
export async function inspectVolumes(
  stack: Stack,
  podman: Podman,
  names?: readonly string[],
): Promise<VolumeInspection[]> {
  for (const name of names ?? []) {
    if (!stack.volumes.some((v) => v.name === name)) throw unknownVolumeError(stack, name);
  }
  // The containers are listed while the volumes are observed: two podman round trips side by side.
  const all = podman.inspectAllContainers();
  all.catch(() => {}); // awaited below; an observation that fails first must not leave it unhandled
  const observation = await observeStack(stack, podman);
  const containers = await findVolumeContainers(podman, observation, all);
  return observation.volumes
    .filter((v) => names === undefined || names.includes(v.spec.name))
    .map((v) => {
      const users = containers.get(v.spec.name) ?? [];
      const named = v.namedVolume;
      return {
        name: v.spec.name,
        spec: v.spec,
        podmanVolume: {
          name: v.podmanVolumeName,
          exists: named !== null,
          driver: named?.driver ?? null,
          options: named?.options ?? {},
          dataDir: named ? (named.device ?? named.mountpoint) : null,
          mountpoint: named?.mountpoint ?? null,
        },
        directory: v.dir,
        containers: users,
        differences: volumeDifferences(v, users),
      };
    });
}
