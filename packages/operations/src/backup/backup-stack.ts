import {
  acquireLock,
  type BackupVolume,
  type Compression,
  type CreateBackupOptions,
  createBackup,
  type Manifest,
  type OnProgress,
  type TakenHow,
  type VolumeAbout,
} from '@phoenix-hydra/backup';
import {
  type createEvent,
  isPhoenixError,
  lockDir,
  PhoenixError,
  type Stack,
  type VolumeSpec,
} from '@phoenix-hydra/core';
import {
  findVolumeUsers,
  isNginxConfig,
  observeStack,
  type StackObservation,
  type VolumeUser,
} from '@phoenix-hydra/diagnostics';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { isEmptyDir } from '../adopt/tree-summary.ts';
import { DEPLOY_KEPT_PREFIXES } from '../nginx/kept-copies.ts';
import { podmanExec, postgresConnection } from './podman-exec.ts';
import { throughHelpers } from './remote-tar.ts';
import { type StopHooks, withStoppedContainers } from './stopped-containers.ts';

/** The fields of an event before it is stamped: what backupStack reports to its caller. */
export type BackupEventInput = Parameters<typeof createEvent>[0];

/** How to back up the selected volumes of a stack; the CLI's `backup create` and the agent's schedule both pass these. */
export interface BackupStackOptions {
  /** Volumes to back up, already selected (each with a backup strategy). */
  volumes: readonly VolumeSpec[];
  backupDir: string;
  /** Stop the containers using the volumes, archive the files, start them again. */
  stop?: boolean | undefined;
  compression?: Compression | undefined;
  pgUser?: string | undefined;
  pgDatabase?: string | undefined;
  /** Socket directory or host of the database (default: read from the server's postmaster.pid). */
  pgHost?: string | undefined;
  /** Port of the database (default: read from the server's postmaster.pid). */
  pgPort?: number | undefined;
  /** Name of an environment variable holding the database password (never the password itself). */
  pgPasswordEnv?: string | undefined;
  /** Lock directory of the project (core's lockDir by default). */
  lockDir?: string | undefined;
  /**
   * Where the finished backup is kept, as backup.completed names it; default `<backupDir>/<id>`. An off-host
   * backup names its repository (without credentials): its staging directory is removed once restic has it.
   */
  location?: string | undefined;
  /** backup.started, then backup.completed or backup.failed; awaited, and must not throw. */
  onEvent?: ((event: BackupEventInput) => Promise<unknown> | undefined) | undefined;
  onProgress?: OnProgress | undefined;
  /** Lines about stopping and starting containers. */
  log?: ((line: string) => void) | undefined;
  /** Around each container stopped for the backup (the CLI journals them, so a killed run is repaired). */
  stopHooks?: StopHooks | undefined;
  /** Aborts the backup: the partial backup is removed, stopped containers are started again. */
  signal?: AbortSignal | undefined;
  /** Takes the archived volumes' trees instead of archives, containers still stopped (createBackup's `trees`). */
  trees?: CreateBackupOptions['trees'];
}

/** What a finished backup produced, and how the data was taken. */
export interface BackupStackResult {
  manifest: Manifest;
  backupDir: string;
  taken: TakenHow;
  /** Sum of the artifacts' sizes. */
  bytes: number;
}

function runningUser(users: VolumeUser[], volume: string): VolumeUser | undefined {
  return users.find((u) => u.running && u.volumes.includes(volume));
}

/**
 * Refuses to archive an empty host directory while the stack's containers mount a podman-managed
 * volume of the same name: the data is in podman's storage, and the backup would hold nothing.
 */
async function refuseShadowed(
  observation: StackObservation,
  users: VolumeUser[],
  stop: boolean,
): Promise<void> {
  for (const v of observation.volumes) {
    const archived = v.spec.backup === 'archive' || (v.spec.kind === 'database' && stop);
    const mounted = users.filter((u) => u.volumes.includes(v.spec.name));
    if (!archived || mounted.length === 0 || v.namedVolume === null || v.namedVolume.device !== null)
      continue;
    // Unreadable (outside the user namespace) counts as not empty: only a sure lie is refused.
    if (!(await isEmptyDir(v.spec.hostPath).catch(() => false))) continue;
    throw new PhoenixError(
      'BACKUP_SHADOWED',
      `${v.spec.hostPath} is empty, but ${mounted.map((u) => u.container).join(', ')} mount${mounted.length === 1 ? 's' : ''} podman's own volume ${v.namedVolume.name}, where the data of ${v.spec.name} really is; a backup of the host directory would hold nothing`,
      {
        hint: `move the data into ${v.spec.hostPath} first: phoenix-volumes adopt --volume ${v.spec.name}`,
        details: {
          volume: v.spec.name,
          podmanVolume: v.namedVolume.name,
          mountpoint: v.namedVolume.mountpoint,
        },
      },
    );
  }
}

/** What a backup records about a volume of the stack (backup's own schema, not the stack model). */
export function aboutVolume(spec: VolumeSpec): VolumeAbout {
  return { kind: spec.kind, containerPath: spec.containerPath, mode: spec.mode, owner: spec.owner };
}

/**
 * One backup of the selected volumes under the project's lock. A running database is dumped with pg_dump;
 * its files are archived only with `stop` (stopped, archived, started again even when the backup fails),
 * never copied live. Shared by `phoenix-volumes backup create` and the agent's scheduled backups.
 */
export async function backupStack(
  stack: Stack,
  podman: Podman,
  options: BackupStackOptions,
): Promise<BackupStackResult> {
  const names = options.volumes.map((s) => s.name);
  const emit = async (event: BackupEventInput) => {
    await options.onEvent?.(event);
  };
  const lock = await acquireLock(options.lockDir ?? lockDir(stack.project), { operation: 'backup' });
  try {
    const observation = observeStack(stack, podman);
    const users = (await findVolumeUsers(podman, observation)).filter((u) =>
      u.volumes.some((v) => names.includes(v)),
    );
    // Through a remote podman the client's path says nothing about the data (it is on the machine).
    const remote = (await podman.remote()).remote;
    if (!remote) await refuseShadowed(await observation, users, options.stop === true);
    const volumes: BackupVolume[] = [];
    let dumps = 0;
    for (const spec of options.volumes) {
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
        const identity = await postgresConnection(podman, live.container, stack, spec, {
          user: options.pgUser,
          database: options.pgDatabase,
          host: options.pgHost,
          port: options.pgPort,
        });
        const passwordEnv = options.pgPasswordEnv ?? (process.env.PGPASSWORD ? 'PGPASSWORD' : undefined);
        volumes.push({
          name: spec.name,
          strategy: 'postgres-logical',
          about: aboutVolume(spec),
          postgres: { container: live.container, ...identity, ...(passwordEnv ? { passwordEnv } : {}) },
        });
        dumps += 1;
      } else {
        volumes.push({
          name: spec.name,
          strategy: 'archive',
          path: spec.hostPath,
          about: aboutVolume(spec),
          // A remote deploy's kept copies: restoring them would bring back configurations long replaced.
          ...(isNginxConfig(spec) ? { leaveOut: DEPLOY_KEPT_PREFIXES } : {}),
        });
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
    const sources = await throughHelpers(podman, stack, volumes);
    await emit({ type: 'backup.started', project: stack.project, volumes: names });
    let manifest: Manifest;
    try {
      manifest = await withStoppedContainers(
        podman,
        toStop,
        options.log ?? (() => undefined),
        () =>
          createBackup({
            backupDir: options.backupDir,
            project: stack.project,
            volumes: sources,
            taken,
            compression: options.compression ?? 'zstd',
            exec: podmanExec(podman),
            onProgress: options.onProgress,
            signal: options.signal,
            trees: options.trees,
          }),
        options.stopHooks,
      );
    } catch (error) {
      const code = isPhoenixError(error) ? error.code : 'BACKUP_FAILED';
      const message = error instanceof Error ? error.message : String(error);
      await emit({ type: 'backup.failed', project: stack.project, volumes: names, error: { code, message } });
      throw error;
    }
    const bytes = manifest.volumes.reduce((sum, v) => sum + v.artifactBytes, 0);
    await emit({
      type: 'backup.completed',
      project: stack.project,
      backupId: manifest.id,
      volumes: names,
      bytes,
      durationSeconds: manifest.durationSeconds,
      path: options.location ?? `${options.backupDir}/${manifest.id}`,
    });
    return { manifest, backupDir: options.backupDir, taken, bytes };
  } finally {
    await lock.release();
  }
}
