import type { Stack, VolumeSpec } from '@phoenix-hydra/core';
import { readFilesystem } from '@phoenix-hydra/diagnostics';
import type { AgentConfig } from '../config/schema.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Logger } from '../logger.ts';
import type { AgentMetrics } from '../metrics/agent-metrics.ts';
import { type Limit, ThresholdState } from './threshold-state.ts';
import { TreeTracker } from './tree-tracker.ts';

/** Called with paths (relative to the volume) that changed in one volume. */
export type ChangeListener = (volume: VolumeSpec, path: string) => void;

interface Watched {
  spec: VolumeSpec;
  tracker: TreeTracker;
  limits: ThresholdState[];
}

function limitsOf(spec: VolumeSpec, thresholds: AgentConfig['thresholds']): ThresholdState[] {
  const limits: Limit[] = [
    {
      metric: 'avail_bytes',
      kind: 'min',
      threshold: spec.kind === 'database' ? thresholds.minAvail.database : thresholds.minAvail.default,
    },
  ];
  const maxUsed = thresholds.maxUsed[spec.name];
  if (maxUsed !== undefined) limits.push({ metric: 'used_bytes', kind: 'max', threshold: maxUsed });
  return limits.map((limit) => new ThresholdState(limit, thresholds.hysteresis));
}

/**
 * Usage of every volume (incremental, see TreeTracker) and of the filesystem holding it (statfs), as
 * metrics; limits with hysteresis raise `disk.threshold` when they fire and when they resolve.
 */
export class VolumeMonitor {
  readonly #watched: Watched[];
  readonly #deps: { stack: Stack; config: AgentConfig; bus: EventBus; metrics: AgentMetrics; log: Logger };
  readonly #inodeLimits = new Map<string, ThresholdState>();
  #timer: NodeJS.Timeout | undefined;
  #lastFullScan = 0;

  constructor(
    deps: { stack: Stack; config: AgentConfig; bus: EventBus; metrics: AgentMetrics; log: Logger },
    onChange?: ChangeListener,
  ) {
    this.#deps = deps;
    this.#watched = deps.stack.volumes.map((spec) => ({
      spec,
      limits: limitsOf(spec, deps.config.thresholds),
      tracker: new TreeTracker(spec.hostPath, {
        maxDirs: deps.config.monitor.maxWatchedDirs,
        onChange: onChange ? (path) => onChange(spec, path) : undefined,
        onUnwatched: (reason) =>
          deps.log.warn(
            { volume: spec.name },
            `not watching ${spec.hostPath} (${reason}); rescanning it every fullScan`,
          ),
      }),
    }));
  }

  /** Scans every volume once, samples, then keeps sampling every `monitor.interval`. */
  async start(): Promise<void> {
    this.#fullScan();
    await this.sample();
    const tick = async () => {
      try {
        await this.sample();
      } catch (error) {
        this.#deps.log.error({ err: error }, 'volume sample failed');
      }
      this.#timer = setTimeout(tick, this.#deps.config.monitor.interval);
    };
    this.#timer = setTimeout(tick, this.#deps.config.monitor.interval);
  }

  stop(): void {
    clearTimeout(this.#timer);
    for (const w of this.#watched) w.tracker.close();
  }

  #fullScan(): void {
    for (const { spec, tracker } of this.#watched) {
      const started = performance.now();
      tracker.rescan();
      this.#deps.log.debug(
        {
          volume: spec.name,
          dirs: tracker.directories,
          files: tracker.files,
          ms: Math.round(performance.now() - started),
        },
        'volume scanned',
      );
    }
    this.#lastFullScan = Date.now();
  }

  /** Re-reads what changed (everything once per `fullScan`), statfs of each volume, thresholds. */
  async sample(): Promise<void> {
    if (Date.now() - this.#lastFullScan >= this.#deps.config.monitor.fullScan) this.#fullScan();
    const { project } = this.#deps.stack;
    const { metrics } = this.#deps;
    for (const w of this.#watched) {
      w.tracker.refresh();
      const labels = { project, volume: w.spec.name };
      metrics.volumeUsedBytes.set(labels, w.tracker.bytes);
      metrics.volumeFiles.set(labels, w.tracker.files);
      const fs = await readFilesystem(w.spec.hostPath).catch(() => null);
      if (fs === null) continue;
      metrics.filesystemAvailBytes.set(labels, fs.availBytes);
      metrics.filesystemSizeBytes.set(labels, fs.sizeBytes);
      metrics.filesystemFiles.set(labels, fs.files);
      metrics.filesystemFilesFree.set(labels, fs.filesFree);
      for (const limit of w.limits) {
        const value = limit.limit.metric === 'used_bytes' ? w.tracker.bytes : fs.availBytes;
        this.#report(w.spec, limit, value);
      }
      // Filesystems without an inode table (btrfs, tmpfs without nr_inodes) report 0 inodes.
      if (fs.files > 0) {
        const threshold = Math.floor(fs.files * this.#deps.config.thresholds.minFreeInodes);
        let inodes = this.#inodeLimits.get(w.spec.name);
        if (inodes === undefined) {
          inodes = new ThresholdState(
            { metric: 'files_free', kind: 'min', threshold },
            this.#deps.config.thresholds.hysteresis,
          );
          this.#inodeLimits.set(w.spec.name, inodes);
        }
        this.#report(w.spec, inodes, fs.filesFree);
      }
    }
  }

  #report(spec: VolumeSpec, limit: ThresholdState, value: number): void {
    const crossing = limit.update(value);
    if (crossing === null) return;
    this.#deps.bus.emit({
      type: 'disk.threshold',
      project: this.#deps.stack.project,
      volume: spec.name,
      metric: limit.limit.metric,
      state: crossing.state,
      value: crossing.value,
      threshold: limit.limit.threshold,
    });
  }
}
