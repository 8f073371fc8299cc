// What the entry point exports of ../service-states.ts: its other exports are internal (see index.ts).
export { type ServiceContainer, type ServiceState, serviceState } from '../service-states.ts';
