import { Counter, Gauge, Registry } from 'prom-client';

/**
 * Every metric the agent exports, named as node_exporter names things (base units, `_total` counters).
 * Only these are registered: no default process metrics, whose event-loop sampling costs idle CPU.
 */
export function createAgentMetrics() {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string, labelNames: string[]) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const volume = ['project', 'volume'];
  /** `repository` is the restic location without credentials (shownRepo). */
  const offsite = ['project', 'repository'];
  return {
    registry,
    volumeUsedBytes: gauge(
      'phoenix_volume_used_bytes',
      'Apparent size of everything in the volume directory (du -sb).',
      volume,
    ),
    volumeFiles: gauge('phoenix_volume_files', 'Inodes in the volume directory (du --inodes).', volume),
    filesystemAvailBytes: gauge(
      'phoenix_filesystem_avail_bytes',
      'Bytes an unprivileged user may still write on the filesystem holding the volume (statfs f_bavail).',
      volume,
    ),
    filesystemSizeBytes: gauge(
      'phoenix_filesystem_size_bytes',
      'Size of the filesystem holding the volume (statfs).',
      volume,
    ),
    filesystemFiles: gauge(
      'phoenix_filesystem_files',
      'Inodes of the filesystem holding the volume (statfs f_files).',
      volume,
    ),
    filesystemFilesFree: gauge(
      'phoenix_filesystem_files_free',
      'Free inodes of the filesystem holding the volume (statfs f_ffree).',
      volume,
    ),
    backupLastSuccess: gauge(
      'phoenix_backup_last_success_timestamp_seconds',
      'When the newest complete backup holding the volume finished (Unix time).',
      volume,
    ),
    backupDuration: gauge(
      'phoenix_backup_duration_seconds',
      'How long the newest complete backup of the project took.',
      ['project'],
    ),
    backupSize: gauge(
      'phoenix_backup_size_bytes',
      "Size of the volume's artifact in the newest complete backup holding it.",
      volume,
    ),
    backupRuns: counter('phoenix_backup_runs_total', 'Backups the agent ran, by result (success, failure).', [
      'project',
      'result',
    ]),
    offsiteLastSuccess: gauge(
      'phoenix_offsite_last_success_timestamp_seconds',
      'When the newest off-host backup of the project reached the restic repository (Unix time).',
      offsite,
    ),
    offsiteDuration: gauge(
      'phoenix_offsite_duration_seconds',
      'How long the newest successful off-host backup took, staging (pg_dump, tar) and upload.',
      offsite,
    ),
    offsiteBytesAdded: gauge(
      'phoenix_offsite_bytes_added',
      'Bytes the newest off-host backup added to the repository (after deduplication and compression).',
      offsite,
    ),
    offsiteRuns: counter(
      'phoenix_offsite_runs_total',
      'Off-host backups the agent ran, by result (success, failure).',
      [...offsite, 'result'],
    ),
    checkStatus: gauge(
      'phoenix_check_status',
      'Whether a doctor check passed on its last run (1) or found a warning or an error (0).',
      ['project', 'check'],
    ),
    containerUp: gauge(
      'phoenix_container_up',
      "1 when the service's container runs (healthy or without a healthcheck); 0 when it is down, looping, stopped, never started or missing.",
      ['project', 'service'],
    ),
    containerRestarts: gauge(
      'phoenix_container_restarts',
      "How often podman's restart policy restarted the service's container (RestartCount); rising means a crash loop.",
      ['project', 'service'],
    ),
    hookFailures: counter(
      'phoenix_hook_failures_total',
      'Hook deliveries that failed (after their retries) or were dropped, by hook and reason.',
      ['hook', 'reason'],
    ),
    events: counter('phoenix_events_total', 'Events raised or forwarded by the agent, by type.', ['type']),
  };
}

/** The agent's metrics. */
export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
