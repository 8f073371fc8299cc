import type { Progress } from '@phoenix-hydra/backup';
import { formatBytes } from './format-bytes.ts';

const WIDTH = 24;

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const m = Math.floor(seconds / 60);
  return `${String(m).padStart(2, '0')}:${String(Math.round(seconds % 60)).padStart(2, '0')}`;
}

/** One redraw of the bar: `db_data [#####.....] 1.2 GB / 3.4 GB  150 MB/s  ETA 00:14`. */
export function renderProgress(p: Progress): string {
  const rate = `${formatBytes(p.bytesPerSecond)}/s`;
  if (p.bytesTotal === undefined || p.bytesTotal === 0) {
    return `${p.operation} ${p.volume}  ${formatBytes(p.bytesDone)}  ${rate}`;
  }
  const ratio = Math.min(1, p.bytesDone / p.bytesTotal);
  const filled = Math.round(ratio * WIDTH);
  const left = p.bytesPerSecond > 0 ? (p.bytesTotal - p.bytesDone) / p.bytesPerSecond : Number.NaN;
  return `${p.operation} ${p.volume} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}  ${rate}  ETA ${eta(left)}`;
}

/** A progress callback drawing on a terminal, or undefined when there is none (pipes, --json): no bar then. */
export function progressBar(
  stream: NodeJS.WriteStream = process.stderr,
  enabled = true,
): { onProgress: ((p: Progress) => void) | undefined; done: () => void } {
  if (!enabled || !stream.isTTY) return { onProgress: undefined, done: () => undefined };
  let last = 0;
  let drawn = false;
  return {
    onProgress: (p) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      drawn = true;
      stream.write(`\r\x1b[K${renderProgress(p)}`);
    },
    done: () => {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
