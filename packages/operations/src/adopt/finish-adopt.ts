import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JournalRebind } from '@phoenix-hydra/backup';
import { applySetup } from '@phoenix-hydra/diagnostics';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { runTool } from './run-tool.ts';

const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

/**
 * Recreates a stack volume bound to its host directory, which already holds the adopted copy: the
 * old `_data` is moved to `keep` (never deleted), the podman-managed volume removed (with the stack's
 * stopped containers that still mount it) and created again with type=none, o=bind, primed as setup does. Safe to run
 * again after a kill at any point. Returns what it did, for the user.
 */
export async function finishRebind(podman: Podman, rebind: JournalRebind): Promise<string[]> {
  const done: string[] = [];
  const info = await podman.volumeInspect(rebind.volume);
  if (info?.device === rebind.device) return done;
  if (info !== null) {
    if ((await exists(info.mountpoint)) && !(await exists(rebind.keep))) {
      await runTool(['mv', '--no-target-directory', info.mountpoint, rebind.keep]);
      done.push(`kept the old data of ${rebind.volume} in ${rebind.keep}`);
    }
    await podman.volumeRm(rebind.volume, { force: true });
  }
  // setup's own action: created, then mounted once as its owner, so podman's first-mount chown and
  // chmod (postgres's image would leave the data directory 1777, which postgres refuses) change nothing.
  const action = {
    type: 'volume-create' as const,
    volume: rebind.volume,
    name: rebind.volume,
    device: rebind.device,
    labels: rebind.labels,
    prime: rebind.prime,
    describe: `create podman volume ${rebind.volume} bound to ${rebind.device}`,
  };
  await applySetup(podman, [action], { baseDir: dirname(rebind.device) });
  done.push(`volume ${rebind.volume} is now bound to ${rebind.device}`);
  return done;
}

/** `podman-compose -f FILE up -d` in the file's directory: creates the containers adopt removed and starts them. */
export async function composeUp(composeFile: string): Promise<void> {
  await runTool(['podman-compose', '-f', composeFile, 'up', '-d'], { cwd: dirname(composeFile) });
}
