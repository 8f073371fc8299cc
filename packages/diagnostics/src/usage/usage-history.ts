import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { DiskCounters } from './diskstats.ts';
import type { TopUsage } from './scan-tree.ts';

const countSchema = z.number().min(0);
const topSchema = z.object({ bytes: countSchema, files: countSchema });

/** The previous scan of a project's volumes, kept to compute growth and I/O rates between runs. */
const usageHistorySchema = z.object({
  version: z.literal(1),
  project: z.string(),
  volumes: z.record(
    z.string(),
    z.object({
      scannedAt: z.iso.datetime(),
      bytes: countSchema,
      files: countSchema,
      top: z.record(z.string(), topSchema),
    }),
  ),
  /** /proc/diskstats lines by device name, with the time they were read. */
  devices: z.record(
    z.string(),
    z.object({
      readAt: z.iso.datetime(),
      stats: z.object({
        readBytes: countSchema,
        writtenBytes: countSchema,
        readsCompleted: countSchema,
        writesCompleted: countSchema,
        ioSeconds: countSchema,
      }),
    }),
  ),
});
export type UsageHistory = z.infer<typeof usageHistorySchema>;

/** `<stateDir>/usage/<project>.json`. */
export function usageHistoryPath(stateDir: string, project: string): string {
  return join(stateDir, 'usage', `${project}.json`);
}

/** The previous scan, or null when there is none or it cannot be read (it is only a cache). */
export async function readUsageHistory(path: string): Promise<UsageHistory | null> {
  try {
    const parsed = usageHistorySchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Replaces the history atomically (temp file + rename), so a concurrent reader never sees half a file. */
export async function writeUsageHistory(path: string, history: UsageHistory): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(history)}\n`, { mode: 0o600 });
  await rename(temp, path);
}

/** The first-level entries that grew or shrank the most. */
interface TopChange {
  name: string;
  bytesDelta: number;
  filesDelta: number;
}

/** How a volume changed since the previous scan. */
export interface Growth {
  since: string;
  seconds: number;
  bytesDelta: number;
  filesDelta: number;
  bytesPerSecond: number;
  top: TopChange[];
}

/** Growth between the previous scan and this one; null without a previous scan. */
export function computeGrowth(
  previous: UsageHistory['volumes'][string] | undefined,
  current: { bytes: number; files: number; top: Record<string, TopUsage> },
  now: Date,
  topCount = 5,
): Growth | null {
  if (previous === undefined) return null;
  const seconds = (now.getTime() - Date.parse(previous.scannedAt)) / 1000;
  const names = new Set([...Object.keys(previous.top), ...Object.keys(current.top)]);
  const top = [...names]
    .map((name) => ({
      name,
      bytesDelta: (current.top[name]?.bytes ?? 0) - (previous.top[name]?.bytes ?? 0),
      filesDelta: (current.top[name]?.files ?? 0) - (previous.top[name]?.files ?? 0),
    }))
    .filter((t) => t.bytesDelta !== 0 || t.filesDelta !== 0)
    .sort((a, b) => Math.abs(b.bytesDelta) - Math.abs(a.bytesDelta))
    .slice(0, topCount);
  const bytesDelta = current.bytes - previous.bytes;
  return {
    since: previous.scannedAt,
    seconds,
    bytesDelta,
    filesDelta: current.files - previous.files,
    bytesPerSecond: seconds > 0 ? bytesDelta / seconds : 0,
    top,
  };
}

/** Keeps only the largest first-level entries, so the history stays small for volumes with many of them. */
export function largestTop(top: Record<string, TopUsage>, count = 200): Record<string, TopUsage> {
  return Object.fromEntries(
    Object.entries(top)
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, count),
  );
}

/** A device sample as the history stores it. */
export function deviceSample(stats: DiskCounters, at: Date): UsageHistory['devices'][string] {
  const { readBytes, writtenBytes, readsCompleted, writesCompleted, ioSeconds } = stats;
  return {
    readAt: at.toISOString(),
    stats: { readBytes, writtenBytes, readsCompleted, writesCompleted, ioSeconds },
  };
}
