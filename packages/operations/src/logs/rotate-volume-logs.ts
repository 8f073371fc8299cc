import type { Podman } from '@phoenix-hydra/podman-adapter';
import { needsUserNamespace } from '@phoenix-hydra/podman-adapter/user-namespace';
import { runInUserNamespace } from '../userns/run-in-namespace.ts';
import { findOpenFiles } from './open-files.ts';
import { type RotateInput, type RotationReport, rotateLogs } from './rotate-logs.ts';

/**
 * Rotates the logs of one volume directory: in this process where the user may, and as root of the user
 * namespace when the files belong to a container's subuid (idempotent, so a partial first run is fine).
 * `dev` is the directory's device: files some process holds open there are copied and truncated.
 */
export async function rotateVolumeLogs(
  podman: Podman,
  input: Omit<RotateInput, 'held'> & { dev: number },
): Promise<RotationReport> {
  const { dev, ...rest } = input;
  const full: RotateInput = { ...rest, held: await findOpenFiles(dev) };
  return rotateLogs(full).catch((error: NodeJS.ErrnoException) => {
    if ((error.code !== 'EACCES' && error.code !== 'EPERM') || !needsUserNamespace()) throw error;
    return runInUserNamespace(podman, 'rotate', full);
  });
}
