// What the entry point exports of ../events.ts: its other exports are internal (see index.ts).
export { type EventsOptions, eventSchema, type PodmanEvent, toPodmanEvent } from '../events.ts';
