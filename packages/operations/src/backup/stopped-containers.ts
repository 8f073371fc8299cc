import type { Podman } from '@phoenix-hydra/podman-adapter';

/** Called around each stop and start, e.g. to journal which containers are down (awaited). */
export interface StopHooks {
  /** Before the container is stopped. */
  beforeStop?: ((container: string) => Promise<void>) | undefined;
  /** After the container was started again and is seen running. */
  afterStart?: ((container: string) => Promise<void>) | undefined;
}

/**
 * Stops the containers, runs the work, then starts them again in reverse order, also when the work
 * fails, and checks each runs again (a failure is logged with the command that fixes it).
 */
export async function withStoppedContainers<T>(
  podman: Podman,
  containers: readonly string[],
  log: (line: string) => void,
  work: () => Promise<T>,
  hooks: StopHooks = {},
): Promise<T> {
  const stopped: string[] = [];
  try {
    for (const container of containers) {
      await hooks.beforeStop?.(container);
      log(`stopping ${container}`);
      await podman.stop(container);
      stopped.push(container);
    }
    return await work();
  } finally {
    for (const container of stopped.reverse()) {
      log(`starting ${container} again`);
      const problem = await startAndCheck(podman, container);
      if (problem === null) await hooks.afterStart?.(container);
      else log(`error: could not start ${container} again: ${problem}\nhint: podman start ${container}`);
    }
  }
}

/** Starts a container and checks podman sees it running; returns what went wrong, or null. */
export async function startAndCheck(podman: Podman, container: string): Promise<string | null> {
  try {
    await podman.start(container);
    const info = await podman.inspectContainer(container);
    if (info === null) return 'it no longer exists';
    return info.running ? null : `it is ${info.state} after podman start`;
  } catch (error) {
    return (error as Error).message;
  }
}
