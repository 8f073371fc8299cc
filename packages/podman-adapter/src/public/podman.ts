// What the entry point exports of ../podman.ts: its other exports are internal (see index.ts).
export {
  createPodman,
  type Podman,
  type PodmanContainers,
  type PodmanOptions,
  type PodmanUnshare,
  type PodmanVolumes,
} from '../podman.ts';
