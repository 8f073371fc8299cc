import {
  COMPOSE_SERVICE_LABEL,
  type ContainerMount,
  type Podman,
  toHostId,
} from '@phoenix-hydra/podman-adapter';
import { findVolumeUsers } from '../cleanup.ts';
import type { StackObservation, VolumeObservation } from '../observe.ts';

/** Who a container's processes are: the container's ids and, through the id maps, the host's. */
export interface ContainerUser {
  uid: number | null;
  gid: number | null;
  hostUid: number | null;
  hostGid: number | null;
  /** `id` run in the container (running ones), else Config.User, else unknown (the image decides). */
  from: 'id' | 'config' | 'unknown';
  /** What `podman exec <c> id` printed, for the record. */
  id: string | null;
  configUser: string;
}

/** A container that mounts a stack volume, with that mount as podman reports it. */
export interface VolumeContainer {
  container: string;
  service: string | null;
  running: boolean;
  mount: ContainerMount | null;
  user: ContainerUser;
}

/** Parses `id` output: `uid=999(postgres) gid=999(postgres) groups=999(postgres)`. */
export function parseIdOutput(text: string): { uid: number; gid: number } | null {
  const uid = /uid=(\d+)/.exec(text)?.[1];
  const gid = /gid=(\d+)/.exec(text)?.[1];
  return uid === undefined || gid === undefined ? null : { uid: Number(uid), gid: Number(gid) };
}

/** Parses Config.User when it is numeric (`999`, `999:999`); names need the image's /etc/passwd. */
export function parseConfigUser(user: string): { uid: number | null; gid: number | null } {
  const [u = '', g] = user.split(':');
  const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : null);
  return { uid: num(u), gid: num(g) };
}

function mountOfVolume(mounts: readonly ContainerMount[], v: VolumeObservation): ContainerMount | null {
  return (
    mounts.find(
      (m) =>
        m.name === v.podmanVolumeName ||
        m.source === v.spec.hostPath ||
        m.source.startsWith(`${v.spec.hostPath}/`),
    ) ?? null
  );
}

/**
 * For each volume of the stack (by name), the containers that mount it, running or not, with the
 * mount podman made and the user their processes run as (`podman exec <c> id` for running ones).
 */
export async function findVolumeContainers(
  podman: Podman,
  observation: StackObservation,
): Promise<Map<string, VolumeContainer[]>> {
  const { uidMappings, gidMappings } = observation.namespace;
  const users = await findVolumeUsers(podman, observation);
  const found = await Promise.all(
    users.map(async (u) => {
      const info = await podman.inspectContainer(u.container);
      if (info === null) return null; // removed meanwhile
      const ran = info.running
        ? await podman.execText(info.name, ['id'], { reject: false, timeoutMs: 15_000 }).catch(() => null)
        : null;
      const fromId = ran?.exitCode === 0 ? parseIdOutput(ran.stdout) : null;
      const fromConfig = parseConfigUser(info.user);
      const ids = fromId ?? fromConfig;
      const user: ContainerUser = {
        uid: ids.uid,
        gid: ids.gid,
        hostUid: ids.uid === null ? null : (toHostId(ids.uid, uidMappings) ?? null),
        hostGid: ids.gid === null ? null : (toHostId(ids.gid, gidMappings) ?? null),
        from: fromId ? 'id' : fromConfig.uid !== null ? 'config' : 'unknown',
        id: ran?.exitCode === 0 ? ran.stdout.trim() : null,
        configUser: info.user,
      };
      return { info, user, volumes: u.volumes };
    }),
  );
  const byVolume = new Map<string, VolumeContainer[]>(observation.volumes.map((v) => [v.spec.name, []]));
  for (const f of found) {
    if (f === null) continue;
    for (const v of observation.volumes.filter((o) => f.volumes.includes(o.spec.name))) {
      byVolume.get(v.spec.name)?.push({
        container: f.info.name,
        service: f.info.labels[COMPOSE_SERVICE_LABEL] ?? null,
        running: f.info.running,
        mount: mountOfVolume(f.info.mounts, v),
        user: f.user,
      });
    }
  }
  return byVolume;
}
