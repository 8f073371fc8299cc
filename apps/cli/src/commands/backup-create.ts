import { type CreateBackupOptions, type Manifest, openJournal } from '@phoenix-hydra/backup';
import { lockDir } from '@phoenix-hydra/core';
import { backupStack } from '@phoenix-hydra/operations/backup';
import { type BackupDirOptions, backupDirOf } from '../backup-dir.ts';
import { type CommandIO, openStack } from '../context.ts';
import { raiseEvent } from '../event-log.ts';
import { formatBytes } from '../format-bytes.ts';
import { interruptSignal } from '../interrupt.ts';
import type { PgConnectionOptions } from '../pg-options.ts';
import { progressBar } from '../progress-bar.ts';
import { repairInterrupted } from '../repair-interrupted.ts';
import { selectVolumes } from '../select-volumes.ts';
import type { StackOptions } from '../stack-options.ts';
import { journaledStops } from '../stopped-containers.ts';

export interface BackupCreateOptions extends BackupDirOptions, StackOptions, CommandIO, PgConnectionOptions {
  volume?: string[];
  stop?: boolean;
  /** `none` (plain tar, uncompressed dump) is what `--repo` stages for restic to deduplicate. */
  compression?: 'zstd' | 'gzip' | 'none';
  json?: boolean;
  pgUser?: string;
  pgDatabase?: string;
  /** Name of an environment variable holding the database password (never the password itself). */
  pgPasswordEnv?: string;
  /** `--repo`: the archived volumes go to restic as trees (backupStack's `trees`), not as archives. */
  trees?: CreateBackupOptions['trees'];
  /** `--repo`: what backup.completed names as the backup's place (the repository), not the staging directory. */
  location?: string;
}

/**
 * `phoenix-volumes backup create`: one verified-by-hash backup of the selected volumes. A running
 * database is dumped with pg_dump; its files are archived only with --stop (stopped, archived, started
 * again even when the backup fails), never copied live. The orchestration is diagnostics' backupStack,
 * shared with the agent's scheduled backups.
 */
export async function backupCreateCommand(options: BackupCreateOptions): Promise<Manifest> {
  const { stack, podman, out, err } = await openStack(options);
  const specs = selectVolumes(stack, options.volume, (v) => v.backup !== 'none');
  const backupDir = backupDirOf(options);
  await repairInterrupted(stack, podman, err);
  // Written only while backupStack holds the lock, before each container it stops for --stop.
  const journal = await openJournal(lockDir(stack.project), 'backup');
  const bar = progressBar(process.stderr, !options.json);
  const interrupt = interruptSignal();
  let result: Awaited<ReturnType<typeof backupStack>>;
  try {
    result = await backupStack(stack, podman, {
      volumes: specs,
      backupDir,
      stop: options.stop,
      compression: options.compression ?? 'zstd',
      pgUser: options.pgUser,
      pgDatabase: options.pgDatabase,
      pgHost: options.pgHost,
      pgPort: options.pgPort,
      pgPasswordEnv: options.pgPasswordEnv,
      location: options.location,
      onEvent: raiseEvent,
      onProgress: bar.onProgress,
      log: err,
      stopHooks: journaledStops(journal),
      signal: interrupt.signal,
      trees: options.trees,
    });
  } finally {
    await journal.close();
    interrupt.dispose();
    bar.done();
  }
  const { manifest, taken, bytes } = result;
  for (const v of manifest.volumes) {
    if (v.strategy === 'archive' && v.entries === 1) {
      err(
        `warning: ${v.name} was empty. If the stack ran, its data may be in podman's storage instead: run phoenix-volumes check`,
      );
    }
  }
  if (options.json) {
    out(JSON.stringify({ backupDir, ...manifest }, null, 2));
  } else {
    out(`Backup ${manifest.id} of ${stack.project} written to ${backupDir}/${manifest.id} (${taken}):`);
    for (const v of manifest.volumes) {
      const how = v.strategy === 'postgres-logical' ? 'pg_dump' : `${v.entries} entries`;
      out(
        `  ${v.name.padEnd(14)} ${v.artifact.padEnd(24)} ${formatBytes(v.artifactBytes).padStart(9)}  ${how}`,
      );
    }
    out(
      `Total ${formatBytes(bytes)} in ${manifest.durationSeconds.toFixed(1)} s. Check it any time: phoenix-volumes backup verify ${manifest.id}`,
    );
  }
  return manifest;
}
