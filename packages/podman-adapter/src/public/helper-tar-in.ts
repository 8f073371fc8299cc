// What the entry point exports of ../helper-tar-in.ts: its other exports are internal (see index.ts).
export { type HelperSwap, helperTarIn } from '../helper-tar-in.ts';
