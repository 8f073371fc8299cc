// What the entry point exports of ../../usage/volume-containers.ts: its other exports are internal (see index.ts).
export { findVolumeContainers, type VolumeContainer } from '../../usage/volume-containers.ts';
