export type { RotationReport } from './rotate-logs.ts';
export { rotateVolumeLogs } from './rotate-volume-logs.ts';
