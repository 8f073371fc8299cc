import { acquireLock, createBackup } from '@phoenix-hydra/backup';
import { lockDir, PhoenixError, type Stack } from '@phoenix-hydra/core';
import { observeStack } from '@phoenix-hydra/diagnostics';
import { aboutVolume, throughHelpers } from '@phoenix-hydra/operations/backup';
import {
  applyCleanup,
  type CleanupPlan,
  planCleanup,
  usersInTheWay,
} from '@phoenix-hydra/operations/cleanup';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { type BackupDirOptions, backupDirOf } from '../backup-dir.ts';
import { askOnTerminal } from '../confirm.ts';
import { type CommandIO, openStack } from '../context.ts';
import { formatBytes } from '../format-bytes.ts';
import { formatTable } from '../format-table.ts';
import { repairInterrupted } from '../repair-interrupted.ts';
import type { StackOptions } from '../stack-options.ts';

export interface CleanupOptions extends BackupDirOptions, StackOptions, CommandIO {
  yes?: boolean;
  stop?: boolean;
  /** False with --no-backup: skip the safety backup taken before anything is deleted. */
  backup?: boolean;
  json?: boolean;
  /** Asks the user to type the project name; defaults to a terminal prompt. */
  confirm?: (question: string) => Promise<string>;
}

/** `phoenix-volumes cleanup`: lists what goes, asks for the project name, then removes directories and volumes. */
export async function cleanupCommand(options: CleanupOptions): Promise<void> {
  const { stack, podman, out, err } = await openStack(options);
  await repairInterrupted(stack, podman, err);
  const observation = await observeStack(stack, podman);
  const plan = await planCleanup(podman, observation);
  const total = plan.items.reduce((sum, i) => sum + i.bytes, 0);
  const nothing = plan.items.every((i) => !i.path && !i.namedVolume);
  if (nothing) {
    if (options.json) out(JSON.stringify({ project: stack.project, removed: [], freedBytes: 0 }));
    else out(`Nothing to clean up: no volume of ${stack.project} exists.`);
    return;
  }
  const say = options.json ? err : out;
  say(
    `This deletes the data of ${stack.project} (${formatBytes(total)}); existing backups are not touched${options.backup === false ? '' : ' and a safety backup is taken first'}:`,
  );
  say(
    formatTable([
      ['VOLUME', 'DIRECTORY', 'SIZE', 'FILES', 'PODMAN VOLUME'],
      ...plan.items
        .filter((i) => i.path || i.namedVolume)
        .map((i) => [
          i.kind === 'volume' ? i.volume : `${i.volume} (left by restore)`,
          i.path ?? '-',
          formatBytes(i.bytes),
          String(i.files),
          i.namedVolume ?? '-',
        ]),
    ]),
  );
  for (const u of plan.users) {
    const left = u.helper && !u.running;
    say(
      left
        ? `helper container ${u.container} (stopped, left by an interrupted command) uses ${u.volumes.join(', ')}: it will be removed`
        : `${u.helper ? 'helper container' : 'container'} ${u.container} (${u.running ? 'running' : 'stopped'}) uses ${u.volumes.join(', ')}${options.stop ? ': it will be stopped and removed' : ''}`,
    );
  }
  if (usersInTheWay(plan).length > 0 && !options.stop) {
    await applyCleanup(podman, plan, { stop: false }); // throws VOLUME_IN_USE naming the containers
  }
  if (!options.yes) {
    const answer = await (options.confirm ?? askOnTerminal)(
      `Type the project name (${stack.project}) to delete: `,
    );
    if (answer.trim() !== stack.project) {
      throw new PhoenixError('ABORTED', 'cleanup aborted: the name typed did not match; nothing was deleted');
    }
  }
  // The project's lock (the one backup create and restore take) for the safety backup and the removal:
  // a backup reading these volumes, or a restore writing them, must not run while they disappear. Taken
  // after the question, so a prompt left open never blocks scheduled backups.
  const lock = await acquireLock(lockDir(stack.project), { operation: 'cleanup' });
  let safetyBackup: string | null = null;
  let freedBytes: number;
  try {
    ({ freedBytes } = await applyCleanup(podman, plan, {
      stop: Boolean(options.stop),
      onStep: (s) => err(s),
      beforeDelete: async () => {
        safetyBackup = await takeSafetyBackup(stack, podman, plan, options, err);
      },
    }));
  } finally {
    await lock.release();
  }
  if (options.json) {
    out(
      JSON.stringify(
        { project: stack.project, removed: plan.items, containers: plan.users, freedBytes, safetyBackup },
        null,
        2,
      ),
    );
    return;
  }
  out(
    `Removed ${plan.items.filter((i) => i.path || i.namedVolume).length} volumes, freed ${formatBytes(freedBytes)}.`,
  );
  if (safetyBackup) {
    out(
      `Safety backup ${safetyBackup} kept; to bring the data back: phoenix-volumes setup && phoenix-volumes restore ${safetyBackup}`,
    );
  }
}

/** The backup cleanup takes before it deletes anything (unless --no-backup); its id, or null. */
async function takeSafetyBackup(
  stack: Stack,
  podman: Podman,
  plan: CleanupPlan,
  options: CleanupOptions,
  err: (line: string) => void,
): Promise<string | null> {
  const volumes = plan.items.flatMap((i) =>
    i.path === null || i.kind !== 'volume' ? [] : [{ name: i.volume, path: i.path }],
  );
  if (options.backup === false || volumes.length === 0) return null;
  err('taking a safety backup first (--no-backup skips it)');
  const archived = volumes.map((v) => {
    const spec = stack.volumes.find((s) => s.name === v.name);
    return { ...v, strategy: 'archive' as const, ...(spec ? { about: aboutVolume(spec) } : {}) };
  });
  const manifest = await createBackup({
    backupDir: backupDirOf(options),
    project: stack.project,
    // Through a remote podman each archive streams out of a helper container, as backup create's do.
    volumes: await throughHelpers(podman, stack, archived),
    taken: plan.users.some((u) => u.running) ? 'containers-stopped' : 'offline',
  });
  return manifest.id;
}
