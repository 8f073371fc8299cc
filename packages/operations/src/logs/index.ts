export type { RotationReport } from './rotate-logs.ts';
export { rotateThroughHelper } from './rotate-remote.ts';
export { rotateVolumeLogs } from './rotate-volume-logs.ts';
