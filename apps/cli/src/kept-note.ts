import { toMachinePath } from '@phoenix-hydra/core';

/**
 * How the user removes a copy a command kept (restore's pre-restore data, adopt's old volume data) once
 * satisfied. Its files belong to container users, so only `podman unshare` can remove them, run where the
 * data is: here; on the podman machine (macOS, Windows) through `podman machine ssh`; or, for a Linux
 * client of a podman service (CONTAINER_HOST), on the service's host as the user it runs as.
 */
export function removeKeptCommand(path: string, remote: boolean, platform = process.platform): string {
  if (!remote) return `podman unshare rm -rf ${path}`;
  if (platform === 'darwin' || platform === 'win32')
    return `podman machine ssh podman unshare rm -rf ${toMachinePath(path, platform) ?? path}`;
  return `podman unshare rm -rf ${path}, as the user whose podman service CONTAINER_HOST reaches, on its host`;
}
