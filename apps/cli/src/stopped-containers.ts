import type { Journal } from '@phoenix-hydra/backup';
import type { StopHooks } from '@phoenix-hydra/diagnostics';

// Moved to @phoenix-hydra/diagnostics (the agent's scheduled backups use it too); kept for the CLI's imports.
export { withStoppedContainers } from '@phoenix-hydra/diagnostics';

/** Hooks that journal each container before it is stopped and forget it once it runs again. */
export function journaledStops(journal: Journal): StopHooks {
  return {
    beforeStop: (container) => journal.update((s) => s.stopped.push(container)),
    afterStart: (container) =>
      journal.update((s) => {
        s.stopped = s.stopped.filter((c) => c !== container);
      }),
  };
}
