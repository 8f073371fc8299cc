import type { VolumeKind } from '@phoenix-hydra/core';
import type { FilesystemUsage } from './filesystem.ts';

/** The limits status and the agent hold volumes to. */
export interface Thresholds {
  /** Warn when the filesystem has less free: 10 GB for the database (the design's advice), 1 GB otherwise. */
  minFreeBytes: { database: number; other: number };
  /** Warn when a logs volume holds more than this (default 1 GiB): its logs are not rotated. */
  logsMaxBytes: number;
}

/** One volume against its threshold; `fraction` fills status's bar. */
export interface Threshold {
  metric: 'avail_bytes' | 'used_bytes';
  value: number;
  limit: number;
  state: 'ok' | 'warn';
  /** Filesystem used / size for avail_bytes; volume bytes / cap for used_bytes (may exceed 1). */
  fraction: number;
}

/** A logs volume is held to its size cap; every other volume to the free space left on its filesystem. */
export function evaluateThreshold(
  kind: VolumeKind,
  usage: { bytes: number } | null,
  filesystem: FilesystemUsage | null,
  thresholds: Thresholds,
): Threshold | null {
  if (kind === 'logs') {
    if (usage === null) return null;
    const limit = thresholds.logsMaxBytes;
    return {
      metric: 'used_bytes',
      value: usage.bytes,
      limit,
      state: usage.bytes > limit ? 'warn' : 'ok',
      fraction: limit > 0 ? usage.bytes / limit : 1,
    };
  }
  if (filesystem === null) return null;
  const limit = kind === 'database' ? thresholds.minFreeBytes.database : thresholds.minFreeBytes.other;
  return {
    metric: 'avail_bytes',
    value: filesystem.availBytes,
    limit,
    state: filesystem.availBytes < limit ? 'warn' : 'ok',
    fraction: filesystem.sizeBytes > 0 ? filesystem.usedBytes / filesystem.sizeBytes : 0,
  };
}
