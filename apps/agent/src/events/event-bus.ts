import { createEvent, type PhoenixEvent } from '@phoenix-hydra/core';
import type { Logger } from '../logger.ts';

/** The fields of an event before it is stamped and validated. */
export type EventInput = Parameters<typeof createEvent>[0];

/** Receives every event; must not throw (the bus logs and ignores a sink that does). */
export type EventSink = (event: PhoenixEvent) => void;

/** Fans events out to hooks, metrics and the log: every monitor raises through one bus. */
export interface EventBus {
  /** Validates (core's schema) and delivers an event; returns it, or undefined when invalid. */
  emit(input: EventInput | PhoenixEvent): PhoenixEvent | undefined;
  subscribe(sink: EventSink): () => void;
}

/** The bus; events that fail core's schema are logged and dropped, never delivered half-formed. */
export function createEventBus(log: Logger): EventBus {
  const sinks = new Set<EventSink>();
  return {
    emit(input) {
      let event: PhoenixEvent;
      try {
        event = createEvent(input);
      } catch (error) {
        log.error({ err: error, input }, 'invalid event dropped');
        return undefined;
      }
      log.info({ event }, `event ${event.type}`);
      for (const sink of sinks) {
        try {
          sink(event);
        } catch (error) {
          log.error({ err: error, type: event.type }, 'event sink failed');
        }
      }
      return event;
    },
    subscribe(sink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
  };
}
