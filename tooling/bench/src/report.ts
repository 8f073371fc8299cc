import { type Operation, PEERS } from './cases.ts';
import type { Dataset } from './datasets.ts';
import type { Sample } from './measure.ts';

type RunTimes = Pick<Sample, 'seconds' | 'cpuSeconds' | 'peakRssMB'>;

/** One run of one case, as recorded in the JSON. */
export interface RunRecord {
  seconds: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMB: number | null;
  /** Peak RSS of the Node child before the measured call (Node, its TypeScript loader, the modules). */
  startRssMB: number | null;
  load: number;
  artifactBytes: number | null;
}

export interface CaseResult {
  operation: Operation;
  tool: string;
  ours: boolean;
  runs: RunRecord[];
  median: {
    seconds: number;
    cpuSeconds: number;
    peakRssMB: number | null;
    startRssMB: number | null;
    load: number;
    artifactBytes: number | null;
  };
  megabytesPerSecond: number;
  /** Our median time divided by each peer's (below 1: faster than the peer). */
  timeRatio: Record<string, number>;
  /** Our archive's size divided by each peer's. */
  sizeRatio: Record<string, number>;
}

export interface DatasetResult {
  dataset: Dataset;
  cases: CaseResult[];
  /** Differences found when the restored trees were compared with the dataset (empty: identical). */
  roundTrip: { restoredBy: string; differences: string[] }[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** One tool's runs summed up: median wall and CPU time, and peak memory as the median or the max of the runs' peaks. */
export function summarizeRuns(runs: readonly RunTimes[], peak: 'median' | 'max'): RunTimes {
  const peaks = runs.flatMap((s) => (s.peakRssMB === null ? [] : [s.peakRssMB]));
  return {
    seconds: median(runs.map((s) => s.seconds)),
    cpuSeconds: median(runs.map((s) => s.cpuSeconds)),
    peakRssMB: peaks.length === 0 ? null : peak === 'max' ? Math.max(...peaks) : median(peaks),
  };
}

function medianOrNull(values: (number | null)[]): number | null {
  const present = values.filter((value): value is number => value !== null);
  return present.length === 0 ? null : median(present);
}

/** Which case a series of runs belongs to. */
export type CaseMeta = Pick<CaseResult, 'operation' | 'tool' | 'ours'>;

/** Medians, throughput and the ratios of our cases to the peers of the same operation. */
export function summarize(dataset: Dataset, series: { meta: CaseMeta; runs: RunRecord[] }[]): CaseResult[] {
  const results: CaseResult[] = series.map(({ meta: c, runs: records }) => {
    const seconds = median(records.map((r) => r.seconds));
    return {
      ...c,
      runs: records,
      median: {
        seconds,
        cpuSeconds: median(records.map((r) => r.cpuSeconds)),
        peakRssMB: medianOrNull(records.map((r) => r.peakRssMB)),
        startRssMB: medianOrNull(records.map((r) => r.startRssMB)),
        load: median(records.map((r) => r.load)),
        artifactBytes: medianOrNull(records.map((r) => r.artifactBytes)),
      },
      megabytesPerSecond: dataset.bytes / 1e6 / seconds,
      timeRatio: {},
      sizeRatio: {},
    };
  });
  for (const result of results) {
    if (!result.ours) continue;
    for (const peerName of PEERS[result.operation]) {
      const peer = results.find((r) => r.tool === peerName && r.operation === result.operation);
      if (!peer) continue;
      result.timeRatio[peerName] = result.median.seconds / peer.median.seconds;
      if (result.median.artifactBytes !== null && peer.median.artifactBytes !== null)
        result.sizeRatio[peerName] = result.median.artifactBytes / peer.median.artifactBytes;
    }
  }
  return results;
}

const fixed = (value: number | null, digits: number) => (value === null ? '-' : value.toFixed(digits));
const cell = (text: string) => text.replaceAll('|', '\\|');

/** A Markdown table of every case of every dataset. */
export function table(results: DatasetResult[]): string {
  const rows = [
    '| dataset | operation | tool | time (median) | MB/s | time vs peer | CPU s | peak RSS MB | archive MB (vs peer) |',
    '|---|---|---|---:|---:|---|---:|---:|---|',
  ];
  for (const { dataset, cases } of results) {
    for (const c of cases) {
      const ratios = Object.entries(c.timeRatio)
        .map(([peer, ratio]) => `${ratio.toFixed(2)}× ${cell(peer)}`)
        .join('<br>');
      const size = c.median.artifactBytes === null ? '-' : (c.median.artifactBytes / 1e6).toFixed(1);
      const vsZstd = c.sizeRatio[PEERS.backup[0] as string];
      const sizeRatio = vsZstd === undefined ? '' : ` (${vsZstd.toFixed(3)}× zstd -3)`;
      const rss =
        c.median.startRssMB !== null
          ? `${fixed(c.median.peakRssMB, 0)} (${fixed(c.median.startRssMB, 0)} at start)`
          : fixed(c.median.peakRssMB, 0);
      rows.push(
        `| ${dataset.name} | ${c.operation} | ${c.ours ? `**${cell(c.tool)}**` : cell(c.tool)} | ${c.median.seconds.toFixed(2)} s | ${c.megabytesPerSecond.toFixed(0)} | ${ratios || '-'} | ${c.median.cpuSeconds.toFixed(2)} | ${rss} | ${size}${sizeRatio} |`,
      );
    }
  }
  return rows.join('\n');
}
