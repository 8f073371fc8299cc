// What the entry point exports of ../volumes.ts: its other exports are internal (see index.ts).
export { toVolumeInfo, type VolumeInfo, volumeSchema } from '../volumes.ts';
