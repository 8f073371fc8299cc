import {
  acquireLock,
  type BackupVolume,
  createBackup,
  type Manifest,
  type TakenHow,
} from '@phoenix-hydra/backup';
import { defaultBackupDir, isPhoenixError, lockDir, PhoenixError } from '@phoenix-hydra/core';
import { findVolumeUsers, observeStack, type VolumeUser } from '@phoenix-hydra/diagnostics';
import { type CommandIO, openStack } from '../context.ts';
import { raiseEvent } from '../event-log.ts';
import { formatBytes } from '../format-bytes.ts';
import { podmanExec, postgresIdentity } from '../podman-exec.ts';
import { progressBar } from '../progress-bar.ts';
import { selectVolumes } from '../select-volumes.ts';
import type { StackOptions } from '../stack-options.ts';
import { withStoppedContainers } from '../stopped-containers.ts';

export interface BackupCreateOptions extends StackOptions, CommandIO {
  volume?: string[];
  stop?: boolean;
  compression?: 'zstd' | 'gzip';
  to?: string;
  json?: boolean;
  pgUser?: string;
  pgDatabase?: string;
  /** Name of an environment variable holding the database password (never the password itself). */
  pgPasswordEnv?: string;
}

function runningUser(users: VolumeUser[], volume: string): VolumeUser | undefined {
  return users.find((u) => u.running && u.volumes.includes(volume));
}

/**
 * `phoenix-volumes backup create`: one verified-by-hash backup of the selected volumes. A running
 * database is dumped with pg_dump; its files are archived only with --stop (stopped, archived, started
 * again even when the backup fails), never copied live.
 */
export async function backupCreateCommand(options: BackupCreateOptions): Promise<Manifest> {
  const { stack, podman, out, err } = await openStack(options);
  const specs = selectVolumes(stack, options.volume, (v) => v.backup !== 'none');
  const backupDir = options.to ?? defaultBackupDir();
  const lock = await acquireLock(lockDir(stack.project), { operation: 'backup' });
  const names = specs.map((s) => s.name);
  try {
    const observation = await observeStack(stack, podman);
    const users = (await findVolumeUsers(podman, observation)).filter((u) =>
      u.volumes.some((v) => names.includes(v)),
    );
    const volumes: BackupVolume[] = [];
    let dumps = 0;
    for (const spec of specs) {
      const live = runningUser(users, spec.name);
      if (!options.stop && live && spec.kind === 'database') {
        if (spec.backup !== 'postgres-logical') {
          throw new PhoenixError(
            'BACKUP_LIVE_DATABASE',
            `refusing to copy the files of database volume ${spec.name} while ${live.container} runs`,
            {
              hint: `pass --stop to stop ${live.container}, back up and start it again, or set x-phoenix.backup: postgres-logical`,
            },
          );
        }
        const identity = await postgresIdentity(podman, live.container, {
          user: options.pgUser,
          database: options.pgDatabase,
        });
        const passwordEnv = options.pgPasswordEnv ?? (process.env.PGPASSWORD ? 'PGPASSWORD' : undefined);
        volumes.push({
          name: spec.name,
          strategy: 'postgres-logical',
          spec,
          postgres: { container: live.container, ...identity, ...(passwordEnv ? { passwordEnv } : {}) },
        });
        dumps += 1;
      } else {
        volumes.push({ name: spec.name, strategy: 'archive', path: spec.hostPath, spec });
      }
    }
    const toStop = options.stop ? users.filter((u) => u.running).map((u) => u.container) : [];
    const anyLive = users.some((u) => u.running);
    const taken: TakenHow =
      options.stop && anyLive
        ? 'containers-stopped'
        : dumps > 0
          ? 'logical-dump'
          : anyLive
            ? 'live-files'
            : 'offline';
    const bar = progressBar(process.stderr, !options.json);
    await raiseEvent({ type: 'backup.started', project: stack.project, volumes: names });
    let manifest: Manifest;
    try {
      manifest = await withStoppedContainers(podman, toStop, err, () =>
        createBackup({
          backupDir,
          project: stack.project,
          volumes,
          taken,
          compression: options.compression ?? 'zstd',
          exec: podmanExec(podman),
          onProgress: bar.onProgress,
        }),
      );
    } catch (error) {
      bar.done();
      const code = isPhoenixError(error) ? error.code : 'BACKUP_FAILED';
      const message = error instanceof Error ? error.message : String(error);
      await raiseEvent({
        type: 'backup.failed',
        project: stack.project,
        volumes: names,
        error: { code, message },
      });
      throw error;
    }
    bar.done();
    const bytes = manifest.volumes.reduce((sum, v) => sum + v.artifactBytes, 0);
    await raiseEvent({
      type: 'backup.completed',
      project: stack.project,
      backupId: manifest.id,
      volumes: names,
      bytes,
      durationSeconds: manifest.durationSeconds,
      path: `${backupDir}/${manifest.id}`,
    });
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
  } finally {
    await lock.release();
  }
}
