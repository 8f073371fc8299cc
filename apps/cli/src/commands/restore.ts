import { join } from 'node:path';
import {
  acquireLock,
  checkDumpTarget,
  checkForHelperRestore,
  checkRoom,
  type Manifest,
  openJournal,
  type RestoreOptions,
  type RestoreResult,
  readManifest,
  restoreBackup,
} from '@phoenix-hydra/backup';
import { isPhoenixError, lockDir, PhoenixError } from '@phoenix-hydra/core';
import { findVolumeUsers, observeStack } from '@phoenix-hydra/diagnostics';
import {
  machineFileSystems,
  podmanExec,
  postgresConnection,
  restoreThroughHelper,
  withStoppedContainers,
} from '@phoenix-hydra/operations/backup';
import { type BackupDirOptions, backupDirOf } from '../backup-dir.ts';
import { askOnTerminal } from '../confirm.ts';
import { type CommandIO, openStack } from '../context.ts';
import { raiseEvent } from '../event-log.ts';
import { interruptSignal } from '../interrupt.ts';
import { removeKeptCommand } from '../kept-note.ts';
import type { PgConnectionOptions } from '../pg-options.ts';
import { progressBar } from '../progress-bar.ts';
import { repairInterrupted } from '../repair-interrupted.ts';
import { selectVolumes } from '../select-volumes.ts';
import type { StackOptions } from '../stack-options.ts';
import { journaledStops } from '../stopped-containers.ts';

export interface RestoreCommandOptions
  extends BackupDirOptions,
    StackOptions,
    CommandIO,
    PgConnectionOptions {
  id: string;
  volume?: string[];
  stop?: boolean;
  yes?: boolean;
  json?: boolean;
  pgPasswordEnv?: string;
  /** Role to restore a dump as; default: the database container's POSTGRES_USER. */
  pgUser?: string;
  /** Database to restore a dump into; default: the container's POSTGRES_DB. Naming it also allows a dump of another database. */
  pgDatabase?: string;
  /** Accept a backup of this other project (its volumes are restored into this stack's). */
  fromProject?: string;
  confirm?: (question: string) => Promise<string>;
  /** `restore --repo`, layout 2: what fills an archive volume's staging directory (restoreBackup's `stage`). */
  stageArchive?: (volume: string) => RestoreOptions['stage'];
}

async function loadManifest(backupDir: string, id: string) {
  try {
    return await readManifest(join(backupDir, id));
  } catch (error) {
    if (isPhoenixError(error)) throw error;
    throw new PhoenixError('BACKUP_NOT_FOUND', `no backup ${id} in ${backupDir}`, {
      hint: 'phoenix-volumes backup ls lists the backups (pass --from DIR for another directory)',
      cause: error,
    });
  }
}

/** Refuses a backup of another project unless `--from-project` names that project. */
function checkProject(manifest: Manifest, project: string, fromProject: string | undefined): void {
  if (manifest.project === project || fromProject === manifest.project) return;
  throw new PhoenixError(
    'BACKUP_OTHER_PROJECT',
    `backup ${manifest.id} is of project ${manifest.project}, not of ${project}; nothing was changed`,
    {
      hint: `to restore it into ${project} anyway: phoenix-volumes restore ${manifest.id} --from-project ${manifest.project}`,
      details: { from: manifest.project, to: project },
    },
  );
}

/**
 * `phoenix-volumes restore ID`: verifies first, restores archives through a staging directory and a
 * rename swap (the old data kept as `<volume>.pre-restore-<time>`), and dumps with pg_restore into
 * the running database. Refuses while a container uses an archived volume unless --stop.
 */
export async function restoreCommand(options: RestoreCommandOptions): Promise<RestoreResult[]> {
  const { stack, podman, out, err } = await openStack(options);
  const backupDir = backupDirOf(options);
  const manifest = await loadManifest(backupDir, options.id);
  const inBackup = new Set(manifest.volumes.map((v) => v.name));
  const specs = selectVolumes(stack, options.volume, (v) => inBackup.has(v.name));
  for (const spec of specs) {
    if (!inBackup.has(spec.name)) {
      throw new PhoenixError('VOLUME_UNKNOWN', `backup ${manifest.id} has no volume ${spec.name}`, {
        hint: `it holds: ${[...inBackup].join(', ')}`,
      });
    }
  }
  checkProject(manifest, stack.project, options.fromProject);
  const manifestVolume = (name: string) => manifest.volumes.find((v) => v.name === name);
  // Through a remote podman the volumes are on the machine: its free space is read by a helper, and each
  // archive is checked whole (hashes, entries) here, before any container is stopped.
  const remote = (await podman.remote()).remote;
  const archives = specs.flatMap((spec) => {
    const volume = manifestVolume(spec.name);
    return volume?.strategy === 'archive' ? [{ volume, target: spec.hostPath }] : [];
  });
  await checkRoom(archives, remote ? machineFileSystems(podman, stack) : undefined);
  if (remote) {
    for (const { volume } of archives) await checkForHelperRestore(join(backupDir, manifest.id), volume);
  }
  await repairInterrupted(stack, podman, err);
  const lock = await acquireLock(lockDir(stack.project), { operation: 'restore' });
  const names = specs.map((s) => s.name);
  try {
    const observation = await observeStack(stack, podman);
    const users = await findVolumeUsers(podman, observation);
    const strategyOf = (name: string) => manifest.volumes.find((v) => v.name === name)?.strategy;
    const archived = names.filter((n) => strategyOf(n) === 'archive');
    const dumped = names.filter((n) => strategyOf(n) === 'postgres-logical');
    const blocking = users.filter((u) => u.running && u.volumes.some((v) => archived.includes(v)));
    if (blocking.length > 0 && !options.stop) {
      throw new PhoenixError(
        'VOLUME_IN_USE',
        `${blocking.map((u) => u.container).join(', ')} uses ${archived.join(', ')}; restoring files under a running container would corrupt them`,
        {
          hint: `pass --stop to stop ${blocking.map((u) => u.container).join(', ')}, restore, and start again`,
        },
      );
    }
    const dbContainer = (name: string) => {
      const live = users.find((u) => u.running && u.volumes.includes(name));
      if (!live) {
        throw new PhoenixError(
          'RESTORE_FAILED',
          `volume ${name} holds a pg_dump, which is restored into the running database, but no container of ${stack.project} runs on it`,
          {
            hint: 'start the stack first (podman-compose up -d), then run the restore again',
          },
        );
      }
      return live.container;
    };
    const containers = new Map(dumped.map((n) => [n, dbContainer(n)]));
    // Dumps go to the stack's database as its container was started (or as --pg-* name it), never
    // where the manifest says.
    const targets = new Map<
      string,
      { container: string; database: string; user: string; host?: string; port?: number }
    >();
    for (const [name, container] of containers) {
      const spec = specs.find((s) => s.name === name);
      const identity = await postgresConnection(
        podman,
        container,
        stack,
        spec ?? { containerPath: '/var/lib/postgresql/data' },
        { user: options.pgUser, database: options.pgDatabase, host: options.pgHost, port: options.pgPort },
      );
      const volume = manifestVolume(name);
      if (volume) checkTarget(manifest.id, volume, identity.database, options.pgDatabase !== undefined);
      targets.set(name, { container, ...identity });
    }
    if (!options.yes) {
      const question = `Restore ${names.join(', ')} of ${stack.project} from backup ${manifest.id} (${manifest.createdAt})? The current data is kept beside it. Type "yes": `;
      const answer = await (options.confirm ?? askOnTerminal)(question);
      if (answer.trim().toLowerCase() !== 'yes')
        throw new PhoenixError('ABORTED', 'restore aborted; nothing was changed');
    }
    const bar = progressBar(process.stderr, !options.json);
    const results: RestoreResult[] = [];
    const interrupt = interruptSignal();
    const journal = await openJournal(lockDir(stack.project), 'restore');
    try {
      await withStoppedContainers(
        podman,
        options.stop ? blocking.map((u) => u.container) : [],
        err,
        async () => {
          for (const spec of specs) {
            const target = targets.get(spec.name);
            const volume = manifestVolume(spec.name);
            if (remote && volume?.strategy === 'archive') {
              results.push(
                await restoreThroughHelper(podman, stack, spec, {
                  backupDir,
                  id: manifest.id,
                  volume,
                  journal,
                  signal: interrupt.signal,
                }),
              );
              continue;
            }
            results.push(
              await restoreBackup({
                backupDir,
                id: manifest.id,
                volume: spec.name,
                targetPath: spec.hostPath,
                exec: podmanExec(podman),
                ...(target
                  ? {
                      postgres: {
                        ...target,
                        otherDatabase: options.pgDatabase !== undefined,
                        ...(options.pgPasswordEnv ? { passwordEnv: options.pgPasswordEnv } : {}),
                      },
                    }
                  : {}),
                journal,
                stage: options.stageArchive?.(spec.name),
                ...(bar.onProgress ? { onProgress: bar.onProgress } : {}),
                signal: interrupt.signal,
              }),
            );
          }
        },
        journaledStops(journal),
      );
    } catch (error) {
      await journal.close();
      interrupt.dispose();
      bar.done();
      const code = isPhoenixError(error) ? error.code : 'RESTORE_FAILED';
      const message = error instanceof Error ? error.message : String(error);
      await raiseEvent({
        type: 'restore.failed',
        project: stack.project,
        backupId: manifest.id,
        volumes: names,
        error: { code, message },
      });
      throw error;
    }
    await journal.close();
    interrupt.dispose();
    bar.done();
    await raiseEvent({
      type: 'restore.completed',
      project: stack.project,
      backupId: manifest.id,
      volumes: names,
    });
    if (options.json) {
      out(JSON.stringify({ backupId: manifest.id, results }, null, 2));
    } else {
      for (const r of results) {
        out(`restored ${r.volume}${r.targetPath ? ` into ${r.targetPath}` : ' into the running database'}`);
        if (r.preRestorePath) {
          out(
            `  the previous data is kept in ${r.preRestorePath}${remote ? ' on the machine' : ''}; once satisfied: ${removeKeptCommand(r.preRestorePath, remote)}`,
          );
        }
      }
    }
    return results;
  } finally {
    await lock.release();
  }
}

/** checkDumpTarget with the CLI's fix in the hint. */
function checkTarget(
  id: string,
  volume: Manifest['volumes'][number],
  database: string,
  named: boolean,
): void {
  try {
    checkDumpTarget(volume, database, named);
  } catch (error) {
    if (!isPhoenixError(error)) throw error;
    throw new PhoenixError(error.code, `${error.message}; nothing was changed`, {
      hint: `to restore it into ${database} anyway: phoenix-volumes restore ${id} --volume ${volume.name} --pg-database ${database}`,
      details: error.details,
      cause: error,
    });
  }
}
