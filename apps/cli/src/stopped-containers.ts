import type { Journal } from '@phoenix-hydra/backup';
import type { StopHooks } from '@phoenix-hydra/operations/backup';

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
