// What the entry point exports of ../volume-files.ts: its other exports are internal (see index.ts).
export {
  type VolumeFileOp,
  type VolumeFileResult,
  type VolumeFileStat,
  type VolumeFiles,
  type VolumeTarget,
  volumeFilesFor,
} from '../volume-files.ts';
