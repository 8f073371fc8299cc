// What the entry point exports of ../probe-volume.ts: its other exports are internal (see index.ts).
export { probeImage } from '../probe-volume.ts';
