import type { OnProgress, Progress } from './types.ts';

const INTERVAL_MS = 200;

/** Counts bytes and calls `onProgress` at most every 200 ms, plus once at the end with the final numbers. */
export interface ProgressMeter {
  add(bytes: number): void;
  /** Sets the total once it is known (reports until then have none). */
  setTotal(bytes: number): void;
  finish(): void;
}

export function progressMeter(
  onProgress: OnProgress | undefined,
  fields: Pick<Progress, 'operation' | 'volume' | 'bytesTotal'>,
): ProgressMeter {
  const started = performance.now();
  let done = 0;
  let last = 0;
  let bytesTotal = fields.bytesTotal;
  const report = () => {
    const seconds = (performance.now() - started) / 1000;
    onProgress?.({
      ...fields,
      bytesTotal,
      bytesDone: done,
      bytesPerSecond: seconds > 0 ? done / seconds : 0,
    });
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
    setTotal(bytes) {
      bytesTotal = bytes;
    },
    finish() {
      if (onProgress) report();
    },
  };
}
