import type { Podman } from '@phoenix-hydra/podman-adapter';

/** Stops the containers, runs the work, then starts them again in reverse order, also when the work fails. */
export async function withStoppedContainers<T>(
  podman: Podman,
  containers: readonly string[],
  log: (line: string) => void,
  work: () => Promise<T>,
): Promise<T> {
  const stopped: string[] = [];
  try {
    for (const container of containers) {
      log(`stopping ${container}`);
      await podman.stop(container);
      stopped.push(container);
    }
    return await work();
  } finally {
    for (const container of stopped.reverse()) {
      log(`starting ${container} again`);
      await podman.start(container).catch((error: Error) => {
        log(`error: could not start ${container} again: ${error.message}\nhint: podman start ${container}`);
      });
    }
  }
}
