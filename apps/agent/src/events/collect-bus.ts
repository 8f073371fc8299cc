import type { PhoenixEvent } from '@phoenix-hydra/core';
import type { EventBus, EventInput } from './event-bus.ts';

/** A bus that only records what was raised, unvalidated: for tests of monitors. */
export function collectingBus(): EventBus & { raised: (EventInput | PhoenixEvent)[] } {
  const raised: (EventInput | PhoenixEvent)[] = [];
  return {
    raised,
    emit(input) {
      raised.push(input);
      return undefined;
    },
    subscribe: () => () => true,
  };
}
