import { join } from 'node:path';
import {
  formatMode,
  formatOwner,
  type Owner,
  PhoenixError,
  type Stack,
  starterListenPort,
  type VolumeSpec,
} from '@phoenix-hydra/core';
import { toHostId } from '@phoenix-hydra/podman-adapter';
import { isNginxConfig, type StackObservation, type VolumeObservation } from './observe.ts';
import { probeImage, volumeService } from './probe-volume.ts';
import { boundToDirectory } from './volume-targets.ts';

/** One step of setup; `describe` is what the plan prints, in the words a user checks. */
export type SetupAction =
  | { type: 'mkdir'; volume: string | null; path: string; mode: number; describe: string }
  | { type: 'seed-default-conf'; volume: string; path: string; port: number; describe: string }
  | { type: 'chmod'; volume: string; path: string; mode: number; describe: string }
  | { type: 'chown'; volume: string; path: string; owner: Owner; recursive: boolean; describe: string }
  | { type: 'relabel'; volume: string; path: string; describe: string }
  | {
      type: 'volume-create';
      volume: string;
      name: string;
      device: string;
      labels: Record<string, string>;
      /**
       * Mount the new volume once as its owner: podman chowns a volume to the container's user on its
       * first mount (nginx's root would take nginx_config from 101:101), and only on the first.
       */
      prime: { image: string; owner: Owner } | null;
      describe: string;
    };

const BASE_DIR_MODE = 0o755;

function ownerMatches(actual: Partial<Owner>, wanted: Owner): boolean {
  return actual.uid === wanted.uid && actual.gid === wanted.gid;
}

/** Owner as `999:999 (host 100998:100998)`, the form every output uses. */
export function describeOwner(owner: Owner, observation: Pick<StackObservation, 'namespace'>): string {
  const uid = toHostId(owner.uid, observation.namespace.uidMappings);
  const gid = toHostId(owner.gid, observation.namespace.gidMappings);
  if (uid === undefined || gid === undefined)
    return `${formatOwner(owner)} (no host id: outside your subuid range)`;
  return `${formatOwner(owner)} (host ${uid}:${gid})`;
}

/** Refuses a named volume that exists but keeps its data somewhere other than the volume's host path. */
function assertNotDrifted(v: VolumeObservation, platform: NodeJS.Platform): void {
  const named = v.namedVolume;
  if (!named || boundToDirectory(v, platform)) return;
  const where = named.device ?? `podman's own storage (${named.mountpoint})`;
  throw new PhoenixError(
    'VOLUME_DRIFT',
    `named volume ${named.name} already exists and keeps its data in ${where}, not in ${v.spec.hostPath}`,
    {
      hint:
        named.device === null
          ? `phoenix-volumes adopt --volume ${v.spec.name} moves its data into ${v.spec.hostPath} (verified, the old data kept) and rebinds the volume; an empty volume: podman volume rm ${named.name} && phoenix-volumes setup`
          : `stop its containers, then: podman volume rm ${named.name} && phoenix-volumes setup (the data in ${named.device} is not touched)`,
      details: {
        volume: v.spec.name,
        namedVolume: named.name,
        device: named.device,
        expected: v.spec.hostPath,
      },
    },
  );
}

/**
 * Writes a starter default.conf the nginx service's declared user can serve: port 80 when nginx starts as
 * root, 8080 for a non-root `user:` (ports below 1024 are root's in a rootless container), which it says.
 */
export function seedDefaultConfAction(stack: Stack, spec: VolumeSpec, why = ''): SetupAction {
  const path = join(spec.hostPath, 'default.conf');
  const service = volumeService(stack, spec);
  const user = service?.user;
  const port = starterListenPort(user, service?.userName);
  const as =
    user === undefined
      ? String(service?.userName)
      : user.gid === undefined
        ? String(user.uid)
        : formatOwner({ uid: user.uid, gid: user.gid });
  const describe =
    port === 80
      ? `write a starter ${path}${why}`
      : `write a starter ${path} listening on ${port}: nginx runs as ${as}, which cannot bind port 80 in rootless podman (publish it as "HOST:${port}")`;
  return { type: 'seed-default-conf', volume: spec.name, path, port, describe };
}

/** Creates the bind-backed `<project>_<volume>` podman-compose reuses, primed so podman keeps its owner. */
export function volumeCreateAction(stack: Stack, v: VolumeObservation): SetupAction {
  const image = probeImage(stack, v.spec);
  return {
    type: 'volume-create',
    volume: v.spec.name,
    name: v.podmanVolumeName,
    device: v.spec.hostPath,
    labels: { 'io.podman.compose.project': stack.project, 'com.docker.compose.project': stack.project },
    prime: image ? { image, owner: v.spec.owner } : null,
    describe: `create podman volume ${v.podmanVolumeName} bound to ${v.spec.hostPath}`,
  };
}

function planVolume(v: VolumeObservation, observation: StackObservation, via: string): SetupAction[] {
  const { spec } = v;
  const actions: SetupAction[] = [];
  if (v.dir && v.dir.type !== 'directory') {
    throw new PhoenixError(
      'VOLUME_INVALID',
      `${spec.hostPath} exists but is a ${v.dir.type}, not a directory`,
      {
        hint: `move it away (mv ${spec.hostPath} ${spec.hostPath}.old), then run phoenix-volumes setup again`,
        details: { volume: spec.name },
      },
    );
  }
  if (!v.dir) {
    actions.push({
      type: 'mkdir',
      volume: spec.name,
      path: spec.hostPath,
      mode: spec.mode,
      describe: `create ${spec.hostPath}`,
    });
  }
  if (isNginxConfig(spec) && !v.defaultConf) {
    actions.push(seedDefaultConfAction(observation.stack, spec, ' (nginx has no server without it)'));
  }
  if (!v.dir || v.dir.mode !== spec.mode) {
    const from = v.dir ? ` (now ${formatMode(v.dir.mode)})` : '';
    actions.push({
      type: 'chmod',
      volume: spec.name,
      path: spec.hostPath,
      mode: spec.mode,
      describe: `chmod ${formatMode(spec.mode)} ${spec.hostPath}${from}`,
    });
  }
  if (!v.dir || !ownerMatches(v.dir.owner, spec.owner)) {
    const now = v.dir
      ? ` (now ${formatOwner({ uid: v.dir.owner.uid ?? -1, gid: v.dir.owner.gid ?? -1 })} in the container)`
      : '';
    actions.push({
      type: 'chown',
      volume: spec.name,
      path: spec.hostPath,
      owner: spec.owner,
      recursive: v.dir !== null,
      describe: `give ${spec.hostPath} to ${describeOwner(spec.owner, observation)}${now} via ${via}`,
    });
  }
  if (observation.namespace.selinuxEnabled && spec.selinux !== 'none' && !v.dir) {
    actions.push({
      type: 'relabel',
      volume: spec.name,
      path: spec.hostPath,
      describe: `label ${spec.hostPath} container_file_t for SELinux`,
    });
  }
  if (!v.namedVolume) actions.push(volumeCreateAction(observation.stack, v));
  return actions;
}

/**
 * What setup would change, in order; empty when everything is already right. Throws before any change on
 * drift. `via` names how owners change in the plan's words (a helper container through a remote podman);
 * `platform` (where this client runs) says which device binds a volume (C:\x is /mnt/c/x from Windows).
 */
export function planSetup(
  observation: StackObservation,
  options: { via?: string; platform?: NodeJS.Platform } = {},
): SetupAction[] {
  const via = options.via ?? 'podman unshare';
  const { stack } = observation;
  for (const v of observation.volumes) assertNotDrifted(v, options.platform ?? process.platform);
  const actions: SetupAction[] = [];
  if (!observation.baseDir) {
    actions.push({
      type: 'mkdir',
      volume: null,
      path: stack.baseDir,
      mode: BASE_DIR_MODE,
      describe: `create ${stack.baseDir}`,
    });
  }
  for (const v of observation.volumes) actions.push(...planVolume(v, observation, via));
  return actions;
}
