import { formatMode, formatOwner, type VolumeSpec } from '@phoenix-hydra/core';
import { callAllowFail, type Podman } from '@phoenix-hydra/podman-adapter';
import type { CheckResult } from './check-result.ts';
import { parseSelinuxLabel } from './doctor/parse-outputs.ts';
import { isNginxConfig, type StackObservation, type VolumeObservation } from './observe.ts';
import { describeOwner } from './plan-setup.ts';
import { probeVolume } from './probe-volume.ts';

/** The design's advice: keep 10 GB free for the database; 1 GB for everything else. */
export const DEFAULT_MIN_FREE_BYTES = { database: 10e9, other: 1e9 } as const;

export interface CheckOptions {
  /** Run throwaway containers to prove the container user can write/read (default true). */
  probe?: boolean;
  probeImage?: string | undefined;
  minFreeBytes?: { database: number; other: number };
}

const SETUP_HINT = 'phoenix-volumes setup';

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

function checkNamedVolume(v: VolumeObservation): CheckResult {
  const base = { check: 'named-volume', volume: v.spec.name };
  const named = v.namedVolume;
  const evidence = { name: v.podmanVolumeName, device: named?.device ?? null, expected: v.spec.hostPath };
  if (!named) {
    return {
      ...base,
      status: 'fail',
      evidence,
      message: `podman volume ${v.podmanVolumeName} does not exist: podman-compose 1.0.3 would create it without the bind options and keep the data in podman's storage, not in ${v.spec.hostPath}`,
      hint: SETUP_HINT,
    };
  }
  if (named.device === v.spec.hostPath) {
    return {
      ...base,
      status: 'pass',
      evidence,
      message: `podman volume ${named.name} is bound to ${v.spec.hostPath}`,
    };
  }
  const where =
    named.device ?? `podman's own storage (${named.mountpoint}), because podman-compose dropped driver_opts`;
  return {
    ...base,
    status: 'fail',
    evidence,
    message: `podman volume ${named.name} keeps its data in ${where}, not in ${v.spec.hostPath}`,
    hint: `save what it holds (podman volume export ${named.name} > ${v.spec.name}.tar), podman volume rm ${named.name}, then ${SETUP_HINT}`,
  };
}

function checkDirectory(v: VolumeObservation, observation: StackObservation): CheckResult[] {
  const { spec, dir } = v;
  const at = (check: string) => ({ check, volume: spec.name });
  if (dir?.type !== 'directory') {
    const what = dir ? `is a ${dir.type}, not a directory` : 'does not exist';
    return [{ ...at('directory'), status: 'fail', message: `${spec.hostPath} ${what}`, hint: SETUP_HINT }];
  }
  const results: CheckResult[] = [{ ...at('directory'), status: 'pass', message: `${spec.hostPath} exists` }];
  results.push(
    dir.mode === spec.mode
      ? { ...at('mode'), status: 'pass', message: `mode ${formatMode(dir.mode)}` }
      : {
          ...at('mode'),
          status: 'fail',
          evidence: { actual: formatMode(dir.mode), expected: formatMode(spec.mode) },
          message: `mode is ${formatMode(dir.mode)}, expected ${formatMode(spec.mode)}${spec.kind === 'database' ? ' (postgres refuses a data directory readable by others)' : ''}`,
          hint: `${SETUP_HINT} (runs podman unshare chmod ${formatMode(spec.mode)} ${spec.hostPath})`,
        },
  );
  const actual = dir.owner;
  const seen =
    actual.uid === undefined || actual.gid === undefined
      ? `host ${dir.hostUid}:${dir.hostGid}, which no container of yours can map`
      : `${formatOwner({ uid: actual.uid, gid: actual.gid })} inside the container (host ${dir.hostUid}:${dir.hostGid})`;
  const ownerOk = actual.uid === spec.owner.uid && actual.gid === spec.owner.gid;
  results.push(
    ownerOk
      ? { ...at('owner'), status: 'pass', message: `owned by ${describeOwner(spec.owner, observation)}` }
      : {
          ...at('owner'),
          status: 'fail',
          evidence: { actual: seen, expected: describeOwner(spec.owner, observation) },
          message: `owned by ${seen}, but ${serviceWords(spec)} runs as ${describeOwner(spec.owner, observation)}${spec.readOnly ? '' : ' and will get "Permission denied"'}`,
          hint: `${SETUP_HINT} (runs podman unshare chown -R ${formatOwner(spec.owner)} ${spec.hostPath}; a plain chown to your own uid does not help)`,
        },
  );
  if (isNginxConfig(spec)) {
    results.push(
      v.defaultConf?.type === 'file'
        ? { ...at('default-conf'), status: 'pass', message: 'default.conf is present' }
        : {
            ...at('default-conf'),
            status: 'fail',
            message: `${spec.hostPath}/default.conf is missing: nginx starts with no server block`,
            hint: `${SETUP_HINT} (writes a starter default.conf; an existing one is never overwritten)`,
          },
    );
  }
  return results;
}

function serviceWords(spec: VolumeSpec): string {
  return spec.services.length ? `service ${spec.services.join(', ')}` : 'its container';
}

function checkSpace(v: VolumeObservation, limits: { database: number; other: number }): CheckResult {
  const base = { check: 'free-space', volume: v.spec.name };
  if (!v.space) return { ...base, status: 'skip', message: 'could not read the filesystem (statfs failed)' };
  const min = v.spec.kind === 'database' ? limits.database : limits.other;
  const evidence = { availBytes: v.space.availBytes, sizeBytes: v.space.sizeBytes, minFreeBytes: min };
  if (v.space.availBytes < min) {
    return {
      ...base,
      status: 'warn',
      evidence,
      message: `only ${gib(v.space.availBytes)} free of ${gib(v.space.sizeBytes)}, below the ${gib(min)} recommended`,
      hint: 'free space on that filesystem or move the base directory (--base-dir)',
    };
  }
  return {
    ...base,
    status: 'pass',
    evidence,
    message: `${gib(v.space.availBytes)} free of ${gib(v.space.sizeBytes)}`,
  };
}

/** Where SELinux is enabled, a volume a container mounts must be labelled container_file_t. */
async function checkSelinux(podman: Podman, v: VolumeObservation): Promise<CheckResult> {
  const base = { check: 'selinux', volume: v.spec.name };
  const ls = await callAllowFail(podman.config, ['unshare', 'ls', '-dZ', '--', v.spec.hostPath]);
  const label = ls.exitCode === 0 ? parseSelinuxLabel(ls.stdout) : null;
  if (!label)
    return { ...base, status: 'skip', message: `could not read the SELinux label: ${ls.stderr.trim()}` };
  if (label.type === 'container_file_t')
    return { ...base, status: 'pass', message: `labelled ${label.label}` };
  return {
    ...base,
    status: 'fail',
    evidence: { label: label.label, expected: 'container_file_t' },
    message: `labelled ${label.label}: containers get "Permission denied" under SELinux whatever the owner`,
    hint: `podman unshare chcon -R -t container_file_t ${v.spec.hostPath}`,
  };
}

/** Every per-volume check of `phoenix-volumes check`, in a stable order. */
export async function checkVolumes(
  observation: StackObservation,
  podman: Podman,
  options: CheckOptions = {},
): Promise<CheckResult[]> {
  const limits = options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
  const perVolume = await Promise.all(
    observation.volumes.map(async (v) => {
      const results = checkDirectory(v, observation);
      results.push(checkNamedVolume(v));
      const dirOk = v.dir?.type === 'directory';
      if (options.probe !== false && dirOk) {
        results.push(await probeVolume(podman, observation.stack, v.spec, { image: options.probeImage }));
      }
      if (observation.namespace.selinuxEnabled && v.spec.selinux !== 'none' && dirOk) {
        results.push(await checkSelinux(podman, v));
      }
      results.push(checkSpace(v, limits));
      return results;
    }),
  );
  return perVolume.flat();
}
