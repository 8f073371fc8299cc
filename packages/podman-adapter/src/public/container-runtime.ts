// What the entry point exports of ../container-runtime.ts: its other exports are internal (see index.ts).
export type {
  BlockIoStats,
  ContainerProcess,
  InspectedContainer,
  PortBinding,
} from '../container-runtime.ts';
