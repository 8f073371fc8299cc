import type { Stack } from '@phoenix-hydra/core';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import type { AgentConfig } from './config/schema.ts';
import type { EventBus } from './events/event-bus.ts';
import type { BackupStatus } from './jobs/backup-status.ts';
import type { Logger } from './logger.ts';
import type { AgentMetrics } from './metrics/agent-metrics.ts';

/** What every part of a running agent shares: the stack, its config, podman, the bus, metrics and log. */
export interface AgentContext {
  stack: Stack;
  config: AgentConfig;
  podman: Podman;
  bus: EventBus;
  metrics: AgentMetrics;
  log: Logger;
  /** Where backups are written and read (config `backup.dir`, else the CLI's default). */
  backupDir: string;
  /** The volumes scheduled backups hold, and /healthz requires to be fresh. */
  backupVolumes: readonly string[];
  /** The backup directory's state as last read (see refreshBackups). */
  backups: BackupStatus;
  /** Re-reads the backup directory into `backups` and the phoenix_backup_* gauges. */
  refreshBackups(): Promise<void>;
}
