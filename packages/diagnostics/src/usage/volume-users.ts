import { isHelperContainer, type Podman } from '@phoenix-hydra/podman-adapter';
import type { StackObservation } from '../observe.ts';
import { mountOfVolume } from './volume-containers.ts';

/** A container that mounts one of the stack's volumes. */
export interface VolumeUser {
  container: string;
  running: boolean;
  volumes: string[];
  /** One of our helper or probe containers (left by a killed command, or another command's at work). */
  helper: boolean;
}

/**
 * Every container, running or not, that mounts a volume of the stack: podman refuses to remove a volume in
 * use. Our own helpers and probes are not the stack's containers (a running one is no database to dump):
 * they are left out unless `helpers` asks for them, as cleanup does, which must remove them first.
 */
export async function findVolumeUsers(
  podman: Podman,
  observation: StackObservation | Promise<StackObservation>,
  options: { helpers?: boolean } = {},
): Promise<VolumeUser[]> {
  // Containers are listed while the observation (which asks podman about each volume) may still run;
  // if listing fails first, the observation's own failure is not left unhandled.
  Promise.resolve(observation).catch(() => undefined);
  const inspected = await podman.inspectAllContainers();
  const observed = await observation;
  return inspected
    .filter((c) => options.helpers === true || !isHelperContainer(c))
    .map((c) => ({
      container: c.name,
      running: c.running,
      volumes: observed.volumes.filter((v) => mountOfVolume(c.mounts, v) !== null).map((v) => v.spec.name),
      helper: isHelperContainer(c),
    }))
    .filter((u) => u.volumes.length > 0);
}
