// What the entry point exports of ../volume-targets.ts: its other exports are internal (see index.ts).
export { helperImages } from '../volume-targets.ts';
