// What the entry point exports of ../remote-podman.ts: its other exports are internal (see index.ts).
export {
  type DetectRemoteOptions,
  detectRemotePodman,
  type PodmanLocation,
  type RemoteFacts,
} from '../remote-podman.ts';
