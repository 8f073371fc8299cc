import type { OnProgress, Progress } from './types.ts';

const INTERVAL_MS = 200;

/** Counts bytes and calls `onProgress` at most every 200 ms, plus once at the end with the final numbers. */
export interface ProgressMeter {
  add(bytes: number): void;
  finish(): void;
}

export function progressMeter(
  onProgress: OnProgress | undefined,
  fields: Pick<Progress, 'operation' | 'volume' | 'bytesTotal'>,
): ProgressMeter {
  const started = performance.now();
  let done = 0;
  let last = 0;
  const report = () => {
    const seconds = (performance.now() - started) / 1000;
    onProgress?.({ ...fields, bytesDone: done, bytesPerSecond: seconds > 0 ? done / seconds : 0 });
  };
  return {
    add(bytes) {
      done += bytes;
      if (!onProgress) return;
      const now = performance.now();
      if (now - last >= INTERVAL_MS) {
        last = now;
        report();
      }
    },
    finish() {
      if (onProgress) report();
    },
  };
}
