import { listBackups } from '@phoenix-hydra/backup';
import type { AgentMetrics } from '../metrics/agent-metrics.ts';

/** The newest complete backup holding one volume. */
export interface VolumeBackup {
  id: string;
  /** When it finished: creation plus duration, in epoch milliseconds. */
  finishedAt: number;
  artifactBytes: number;
}

/** What the backup directory says about a project, read from its manifests (agent or CLI made them). */
export interface BackupStatus {
  volumes: Map<string, VolumeBackup>;
  /** Duration of the project's newest complete backup. */
  newestDurationSeconds: number | null;
}

/** Reads the newest complete backup of each volume of the project; damaged backups do not count. */
export async function readBackupStatus(backupDir: string, project: string): Promise<BackupStatus> {
  const status: BackupStatus = { volumes: new Map(), newestDurationSeconds: null };
  for (const backup of await listBackups(backupDir)) {
    if (backup.status !== 'ok' || backup.manifest.project !== project) continue;
    const { manifest } = backup;
    status.newestDurationSeconds ??= manifest.durationSeconds;
    const finishedAt = Date.parse(manifest.createdAt) + manifest.durationSeconds * 1000;
    for (const v of manifest.volumes) {
      if (!status.volumes.has(v.name)) {
        status.volumes.set(v.name, { id: manifest.id, finishedAt, artifactBytes: v.artifactBytes });
      }
    }
  }
  return status;
}

/** Sets the phoenix_backup_* gauges from the backup directory's state. */
export function setBackupMetrics(metrics: AgentMetrics, project: string, status: BackupStatus): void {
  for (const [volume, b] of status.volumes) {
    metrics.backupLastSuccess.set({ project, volume }, b.finishedAt / 1000);
    metrics.backupSize.set({ project, volume }, b.artifactBytes);
  }
  if (status.newestDurationSeconds !== null) {
    metrics.backupDuration.set({ project }, status.newestDurationSeconds);
  }
}

/** Whether every volume that should be backed up has a backup younger than `maxAgeMs`; what is stale if not. */
export function backupHealth(
  status: BackupStatus,
  volumes: readonly string[],
  maxAgeMs: number,
  now: number,
): { ok: boolean; stale: { volume: string; ageSeconds: number | null; backup: string | null }[] } {
  const stale = volumes.flatMap((volume) => {
    const b = status.volumes.get(volume);
    if (b && now - b.finishedAt <= maxAgeMs) return [];
    return [
      { volume, ageSeconds: b ? Math.round((now - b.finishedAt) / 1000) : null, backup: b?.id ?? null },
    ];
  });
  return { ok: stale.length === 0, stale };
}
