import type { Podman } from '@phoenix-hydra/podman-adapter';
import type { StackObservation } from '../observe.ts';
import { mountOfVolume } from './volume-containers.ts';

/** A container that mounts one of the stack's volumes. */
export interface VolumeUser {
  container: string;
  running: boolean;
  volumes: string[];
}

/** Every container, running or not, that mounts a volume of the stack: podman refuses to remove a volume in use. */
export async function findVolumeUsers(
  podman: Podman,
  observation: StackObservation | Promise<StackObservation>,
): Promise<VolumeUser[]> {
  // Containers are listed while the observation (which asks podman about each volume) may still run;
  // if listing fails first, the observation's own failure is not left unhandled.
  Promise.resolve(observation).catch(() => undefined);
  const inspected = await podman.inspectAllContainers();
  const observed = await observation;
  return inspected
    .map((c) => ({
      container: c.name,
      running: c.running,
      volumes: observed.volumes.filter((v) => mountOfVolume(c.mounts, v) !== null).map((v) => v.spec.name),
    }))
    .filter((u) => u.volumes.length > 0);
}
