// What the entry point exports of ../run.ts: its other exports are internal (see index.ts).

export { removeStartedHelpers } from '../helper-files.ts';
export { runHelperScript } from '../helper-script.ts';
export type { ProbeMount, RunOptions, RunResult } from '../run.ts';
