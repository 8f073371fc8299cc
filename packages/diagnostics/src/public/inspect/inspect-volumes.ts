// What the entry point exports of ../../inspect/inspect-volumes.ts: its other exports are internal (see index.ts).
export { type Difference, inspectVolumes, type VolumeInspection } from '../../inspect/inspect-volumes.ts';
