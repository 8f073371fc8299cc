// What the entry point exports of ../info.ts: its other exports are internal (see index.ts).
export { infoSchema, type PodmanInfo, toPodmanInfo } from '../info.ts';
