import { readFile } from 'node:fs/promises';

/** One line of /proc/diskstats, in node_exporter's units: bytes (sectors × 512) and seconds. */
export interface DiskStats {
  major: number;
  minor: number;
  name: string;
  readsCompleted: number;
  readsMerged: number;
  readBytes: number;
  readSeconds: number;
  writesCompleted: number;
  writesMerged: number;
  writtenBytes: number;
  writeSeconds: number;
  ioNow: number;
  ioSeconds: number;
  ioWeightedSeconds: number;
  /** Kernel 4.18+ fields; null on older kernels. */
  discardsCompleted: number | null;
  discardedBytes: number | null;
  /** Kernel 5.5+ fields; null on older kernels. */
  flushRequests: number | null;
}

/** The kernel counts in 512-byte sectors whatever the device's block size (Documentation/block/stat.rst). */
const SECTOR = 512;

/**
 * Parses /proc/diskstats (Documentation/admin-guide/iostats.rst): 14 fields, 18 since 4.18, 20 since
 * 5.5. Lines with fewer fields (old partition format) are skipped.
 */
export function parseDiskstats(text: string): DiskStats[] {
  return text.split('\n').flatMap((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) return [];
    const n = (i: number) => Number(f[i]);
    const opt = (i: number) => (f.length > i ? Number(f[i]) : null);
    const discarded = opt(16);
    return [
      {
        major: n(0),
        minor: n(1),
        name: f[2] ?? '',
        readsCompleted: n(3),
        readsMerged: n(4),
        readBytes: n(5) * SECTOR,
        readSeconds: n(6) / 1000,
        writesCompleted: n(7),
        writesMerged: n(8),
        writtenBytes: n(9) * SECTOR,
        writeSeconds: n(10) / 1000,
        ioNow: n(11),
        ioSeconds: n(12) / 1000,
        ioWeightedSeconds: n(13) / 1000,
        discardsCompleted: opt(14),
        discardedBytes: discarded === null ? null : discarded * SECTOR,
        flushRequests: opt(18),
      },
    ];
  });
}

/** The counters of one device, or null when the kernel does not list it. */
export async function readDiskStats(
  device: { major: number; minor: number },
  file = '/proc/diskstats',
): Promise<DiskStats | null> {
  const all = parseDiskstats(await readFile(file, 'utf8'));
  return all.find((d) => d.major === device.major && d.minor === device.minor) ?? null;
}

/** The counters rates are computed from. */
export type DiskCounters = Pick<
  DiskStats,
  'readBytes' | 'writtenBytes' | 'readsCompleted' | 'writesCompleted' | 'ioSeconds'
>;

/** Per-second rates between two samples of the same device. */
export interface DiskRates {
  seconds: number;
  readBytesPerSecond: number;
  writtenBytesPerSecond: number;
  readsPerSecond: number;
  writesPerSecond: number;
  /** Fraction of the interval the device was busy (iostat's %util / 100). */
  utilization: number;
}

/** Rates over the interval between two samples; null when the counters went backwards (a reboot). */
export function diskRates(before: DiskCounters, after: DiskCounters, seconds: number): DiskRates | null {
  if (seconds <= 0 || after.ioSeconds < before.ioSeconds || after.readBytes < before.readBytes) return null;
  const rate = (a: number, b: number) => (a - b) / seconds;
  return {
    seconds,
    readBytesPerSecond: rate(after.readBytes, before.readBytes),
    writtenBytesPerSecond: rate(after.writtenBytes, before.writtenBytes),
    readsPerSecond: rate(after.readsCompleted, before.readsCompleted),
    writesPerSecond: rate(after.writesCompleted, before.writesCompleted),
    utilization: Math.min(1, rate(after.ioSeconds, before.ioSeconds)),
  };
}
