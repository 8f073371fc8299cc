// What the entry point exports of ../plan-setup.ts: its other exports are internal (see index.ts).
export { planSetup, type SetupAction } from '../plan-setup.ts';
