// What the entry point exports of ../runner.ts: its other exports are internal (see index.ts).
export { type CallResult, callAllowFail, INSTALL_HINT, type Outcome, parseOutput } from '../runner.ts';
