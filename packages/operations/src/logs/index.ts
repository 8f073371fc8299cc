export type { RotatedFile, RotationReport, SkippedFile } from './rotate-logs.ts';
export { rotateVolumeLogs } from './rotate-volume-logs.ts';
