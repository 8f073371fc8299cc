import {
  COMPOSE_SERVICE_LABEL,
  type ContainerMount,
  type InspectedContainer,
  type Podman,
  toHostId,
} from '@phoenix-hydra/podman-adapter';
import type { StackObservation, VolumeObservation } from '../observe.ts';

/** Who a container's processes are: the container's ids and, through the id maps, the host's. */
interface ContainerUser {
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
  /** The mount's Mode as podman recorded it: the SELinux relabel option (`Z`, `z`) or ''. */
  mode: string | null;
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

/** The mount through which a container sees a stack volume (by volume name or host path), or null. */
export function mountOfVolume(
  mounts: readonly ContainerMount[],
  v: VolumeObservation,
): ContainerMount | null {
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
  /** `podman.inspectAllContainers()` started earlier, beside the observation (one round trip less). */
  all: Promise<InspectedContainer[]> = podman.inspectAllContainers(),
): Promise<Map<string, VolumeContainer[]>> {
  const { uidMappings, gidMappings } = observation.namespace;
  const users = (await all).flatMap((info) => {
    const volumes = observation.volumes.filter((v) => mountOfVolume(info.mounts, v) !== null);
    return volumes.length ? [{ info, volumes }] : [];
  });
  const found = await Promise.all(
    users.map(async ({ info, volumes }) => {
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
      return { info, user, volumes };
    }),
  );
  const byVolume = new Map<string, VolumeContainer[]>(observation.volumes.map((v) => [v.spec.name, []]));
  for (const f of found) {
    for (const v of f.volumes) {
      const mount = mountOfVolume(f.info.mounts, v);
      byVolume.get(v.spec.name)?.push({
        container: f.info.name,
        service: f.info.labels[COMPOSE_SERVICE_LABEL] ?? null,
        running: f.info.running,
        mount,
        mode: mount ? (f.info.modes[mount.destination] ?? null) : null,
        user: f.user,
      });
    }
  }
  return byVolume;
}
