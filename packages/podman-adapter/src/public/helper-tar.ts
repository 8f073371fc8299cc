// What the entry point exports of ../helper-tar.ts: its other exports are internal (see index.ts).
export { helperTarOut } from '../helper-tar.ts';
