import { dirname } from 'node:path';
import type { JournalRebind } from '@phoenix-hydra/backup';
import { primeVolume } from '@phoenix-hydra/diagnostics';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { type AdoptFiles, localAdoptFiles } from './adopt-files.ts';
import { runTool } from './run-tool.ts';

/**
 * Recreates a stack volume bound to its host directory, which already holds the adopted copy: the
 * old `_data` is kept at `keep` (never deleted), the podman-managed volume removed (with the stack's
 * stopped containers that still mount it) and created again with type=none, o=bind, primed as setup
 * does. Through a remote podman `files` are helpers and the device is the machine's path. Safe to run
 * again after a kill at any point. Returns what it did, for the user.
 */
export async function finishRebind(
  podman: Podman,
  rebind: JournalRebind,
  files: AdoptFiles = localAdoptFiles,
): Promise<string[]> {
  const done: string[] = [];
  const device = files.mountPath(rebind.device);
  const info = await podman.volumeInspect(rebind.volume);
  if (info?.device === device) return done;
  if (info !== null) {
    if (await files.keepVolumeData(info, rebind.keep))
      done.push(`kept the old data of ${rebind.volume} in ${rebind.keep}`);
    await podman.volumeRm(rebind.volume, { force: true });
  }
  // setup's own action: created, then mounted once as its owner, so podman's first-mount chown and
  // chmod (postgres's image would leave the data directory 1777, which postgres refuses) change nothing.
  await podman.volumeCreate(rebind.volume, { device, labels: rebind.labels });
  if (rebind.prime) await primeVolume(podman, rebind.volume, rebind.prime);
  done.push(`volume ${rebind.volume} is now bound to ${rebind.device}`);
  return done;
}

/** `podman-compose -f FILE up -d` in the file's directory: creates the containers adopt removed and starts them. */
export async function composeUp(composeFile: string): Promise<void> {
  await runTool(['podman-compose', '-f', composeFile, 'up', '-d'], { cwd: dirname(composeFile) });
}
