import { PhoenixError, type Stack, type VolumeKind } from '@phoenix-hydra/core';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { DEFAULT_MIN_FREE_BYTES } from '../doctor/checks-space.ts';
import { observeStack, type VolumeObservation } from '../observe.ts';
import { findServiceContainers, type ServiceState, serviceState } from '../service-states.ts';
import type { UserNamespace } from '../user-namespace.ts';
import { helperImages, volumeSource } from '../volume-targets.ts';
import { type BlockDevice, blockDeviceOf } from './block-device.ts';
import { type ContainerIo, readContainerIo } from './container-stats.ts';
import { type DiskRates, type DiskStats, diskRates, readDiskStats } from './diskstats.ts';
import { type FilesystemUsage, readFilesystem } from './filesystem.ts';
import { type RemoteScan, scanThroughHelper } from './scan-remote.ts';
import { scanVolume, type VolumeUsage } from './scan-volume.ts';
import { evaluateThreshold, type Threshold, type Thresholds } from './thresholds.ts';
import {
  computeGrowth,
  deviceSample,
  type Growth,
  largestTop,
  readUsageHistory,
  type UsageHistory,
  writeUsageHistory,
} from './usage-history.ts';
import { findVolumeContainers, type VolumeContainer } from './volume-containers.ts';

/** A backup as status needs it: when, and which volumes it holds. */
export interface BackupRef {
  id: string;
  createdAt: string;
  project: string;
  volumes: readonly string[];
}

/** The newest backup holding a volume, and how old it is. */
interface BackupAge {
  id: string;
  createdAt: string;
  ageSeconds: number;
}

/** I/O of the device behind a volume, and how the volume grew since the previous scan. */
interface VolumeIo {
  device: BlockDevice;
  /** Counters since boot; null for virtual filesystems. */
  stats: DiskStats | null;
  /** Rates since the previous sample (the previous status run, or the previous --watch interval). */
  rates: DiskRates | null;
  growth: Growth | null;
  /** Regular files modified since the previous scan; `changed` lists the newest. */
  changedCount: number | null;
  changed: VolumeUsage['changed'];
}

/** Everything `status` shows for one volume. */
export interface VolumeStatus {
  name: string;
  kind: VolumeKind;
  hostPath: string;
  podmanVolume: string;
  exists: boolean;
  usage: Omit<VolumeUsage, 'changed' | 'changedCount' | 'unreadable'> | null;
  filesystem: FilesystemUsage | null;
  threshold: Threshold | null;
  containers: VolumeContainer[];
  backup: BackupAge | null;
  io?: VolumeIo;
}

/** `status` for the whole stack. */
export interface StackStatus {
  project: string;
  time: string;
  volumes: VolumeStatus[];
  /** Each service's container state (running, exited with code N, restarting, stopped, not created...). */
  services: ServiceState[];
  /** Per-container block I/O (with `io`). */
  containerIo?: ContainerIo;
}

/** What a status run needs besides the stack. */
export interface StatusOptions {
  /** Where the previous scan is kept (usageHistoryPath); read for growth and rates, then replaced. */
  historyPath: string;
  backups?: readonly BackupRef[];
  io?: boolean;
  thresholds?: Partial<Thresholds>;
  namespace?: UserNamespace;
  now?: () => Date;
}

function newestBackup(
  backups: readonly BackupRef[],
  project: string,
  volume: string,
  now: Date,
): BackupAge | null {
  let best: BackupRef | null = null;
  for (const b of backups) {
    if (
      b.project === project &&
      b.volumes.includes(volume) &&
      (best === null || b.createdAt > best.createdAt)
    )
      best = b;
  }
  if (best === null) return null;
  return {
    id: best.id,
    createdAt: best.createdAt,
    ageSeconds: (now.getTime() - Date.parse(best.createdAt)) / 1000,
  };
}

/** The device behind a local volume directory and its counters. */
async function localDevice(hostPath: string): Promise<{ device: BlockDevice; stats: DiskStats | null }> {
  const device = await blockDeviceOf(hostPath);
  return { device, stats: device.virtual ? null : await readDiskStats(device) };
}

function volumeIo(
  { device, stats }: { device: BlockDevice; stats: DiskStats | null },
  usage: VolumeUsage | null,
  previous: UsageHistory | null,
  name: string,
  now: Date,
): { io: VolumeIo; sample: DiskStats | null } {
  const before = !device.virtual ? previous?.devices[device.name] : undefined;
  const rates =
    stats && before
      ? diskRates(before.stats, stats, (now.getTime() - Date.parse(before.readAt)) / 1000)
      : null;
  const growth = usage ? computeGrowth(previous?.volumes[name], usage, now) : null;
  return {
    io: {
      device,
      stats,
      rates,
      growth,
      changedCount: previous?.volumes[name] && usage ? usage.changedCount : null,
      changed: previous?.volumes[name] && usage ? usage.changed : [],
    },
    sample: stats,
  };
}

/** One volume read on the machine by a helper: through its named volume when that is bound to its directory. */
async function scanRemote(
  podman: Podman,
  image: string | null,
  v: VolumeObservation,
  since: number | undefined,
): Promise<Omit<RemoteScan, 'usage'> & { usage: VolumeUsage }> {
  if (image === null) {
    throw new PhoenixError(
      'PODMAN_FAILED',
      `the machine has none of the stack's images to read ${v.spec.name} in`,
      { hint: "podman-compose pull   # status reads the volumes in the stack's own image and never pulls" },
    );
  }
  const source = volumeSource(v);
  const started = performance.now();
  const scan = await scanThroughHelper(podman, image, source, { since });
  return { ...scan, usage: { ...scan.usage, via: 'helper', seconds: (performance.now() - started) / 1000 } };
}

/**
 * Reads usage, filesystem, containers, users and backup age of every volume (and with `io`, the block
 * device counters, per-container block I/O and growth since the previous scan), then stores this scan
 * as the next run's "previous". Reads only; the history file is the one thing written.
 */
export async function collectStatus(
  stack: Stack,
  podman: Podman,
  options: StatusOptions,
): Promise<StackStatus> {
  const now = (options.now ?? (() => new Date()))();
  const previous = await readUsageHistory(options.historyPath);
  // The containers are listed while the volumes are observed: two podman round trips side by side.
  const all = podman.inspectAllContainers();
  all.catch(() => {}); // awaited below; an observation that fails first must not leave it unhandled
  const observation = await observeStack(stack, podman, options.namespace);
  const thresholds: Thresholds = {
    minFreeBytes: options.thresholds?.minFreeBytes ?? { ...DEFAULT_MIN_FREE_BYTES },
    logsMaxBytes: options.thresholds?.logsMaxBytes ?? 1024 ** 3,
  };
  const containersPromise = findVolumeContainers(podman, observation, all);
  // The same inspected containers give the services' states: no second `podman ps` and inspects.
  const servicesPromise = findServiceContainers(stack, podman, all);
  servicesPromise.catch(() => {}); // awaited below, after the volumes
  const next: UsageHistory = { version: 1, project: stack.project, volumes: {}, devices: {} };
  // Through a remote podman the volumes are on the machine: one helper per volume reads them there.
  const remote = (await podman.remote()).remote;
  const images = helperImages(podman, stack);
  const volumes = await Promise.all(
    observation.volumes.map(async (v): Promise<VolumeStatus> => {
      const exists = v.dir?.type === 'directory';
      const since = previous?.volumes[v.spec.name]
        ? Date.parse(previous.volumes[v.spec.name]?.scannedAt ?? '')
        : undefined;
      const helper = exists && remote ? await scanRemote(podman, await images(v.spec), v, since) : null;
      const usage = !exists
        ? null
        : (helper?.usage ?? (await scanVolume(v.spec.hostPath, { podman, since })));
      const filesystem = !exists ? null : (helper?.filesystem ?? (await readFilesystem(v.spec.hostPath)));
      if (usage) {
        next.volumes[v.spec.name] = {
          scannedAt: now.toISOString(),
          bytes: usage.bytes,
          files: usage.files,
          top: largestTop(usage.top),
        };
      }
      const status: VolumeStatus = {
        name: v.spec.name,
        kind: v.spec.kind,
        hostPath: v.spec.hostPath,
        podmanVolume: v.podmanVolumeName,
        exists,
        usage: usage
          ? {
              bytes: usage.bytes,
              files: usage.files,
              top: largestTop(usage.top, 10),
              via: usage.via,
              seconds: usage.seconds,
            }
          : null,
        filesystem,
        threshold: evaluateThreshold(v.spec.kind, usage, filesystem, thresholds),
        containers: [],
        backup: newestBackup(options.backups ?? [], stack.project, v.spec.name, now),
      };
      if (exists) {
        // Sampled on every run (two small reads), so the next --io has a baseline for its rates.
        const device = helper ?? (await localDevice(v.spec.hostPath));
        const { io, sample } = volumeIo(device, usage, previous, v.spec.name, now);
        if (options.io) status.io = io;
        if (sample && !io.device.virtual) next.devices[io.device.name] = deviceSample(sample, now);
      }
      return status;
    }),
  );
  const containers = await containersPromise;
  for (const v of volumes) v.containers = containers.get(v.name) ?? [];
  const services = (await servicesPromise).map((s) => serviceState(s, now.getTime()));
  const result: StackStatus = { project: stack.project, time: now.toISOString(), volumes, services };
  if (options.io) {
    const running = [
      ...new Set(volumes.flatMap((v) => v.containers.filter((c) => c.running).map((c) => c.container))),
    ];
    result.containerIo = await readContainerIo(podman, running);
  }
  // Keep device samples of devices this run did not read, so a later --io run still has a baseline.
  await writeUsageHistory(options.historyPath, {
    ...next,
    devices: { ...previous?.devices, ...next.devices },
  });
  return result;
}
