import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PhoenixError, type Stack } from '@phoenix-hydra/core';
import { findVolumeUsers, type StackObservation, type VolumeUser } from '@phoenix-hydra/diagnostics';
import type { Podman } from '@phoenix-hydra/podman-adapter';

/** What cleanup would delete for one volume, with its size so the user knows what is at stake. */
export interface CleanupItem {
  volume: string;
  /** A volume of the stack, or a copy restore left beside one. */
  kind: 'volume' | 'restore-leftover';
  path: string | null;
  bytes: number;
  files: number;
  namedVolume: string | null;
}

export interface CleanupPlan {
  items: CleanupItem[];
  users: VolumeUser[];
  baseDir: string;
  /** Through a remote podman: the stack whose directories helpers measure and remove on the machine. */
  remote?: Stack;
}

/** Measures what cleanup would delete; changes nothing. */
export async function planCleanup(podman: Podman, observation: StackObservation): Promise<CleanupPlan> {
  if ((await podman.remote()).remote) {
    // The data is on the machine (podman machine): helpers measure it through the directories' parents.
    const { planCleanupThroughHelpers } = await import('./cleanup-remote.ts');
    return {
      items: await planCleanupThroughHelpers(podman, observation),
      users: await findVolumeUsers(podman, observation, { helpers: true }),
      baseDir: observation.stack.baseDir,
      remote: observation.stack,
    };
  }
  const items = await Promise.all(
    observation.volumes.map(async (v): Promise<CleanupItem> => {
      const usage = v.dir ? await podman.unshare.du(v.spec.hostPath) : { bytes: 0, files: 0 };
      return {
        volume: v.spec.name,
        kind: 'volume',
        path: v.dir ? v.spec.hostPath : null,
        bytes: usage.bytes,
        files: usage.files,
        namedVolume: v.namedVolume ? v.podmanVolumeName : null,
      };
    }),
  );
  const leftovers = await restoreLeftovers(podman, observation);
  return {
    items: [...items, ...leftovers],
    users: await findVolumeUsers(podman, observation, { helpers: true }),
    baseDir: observation.stack.baseDir,
  };
}

/** `<volume>.pre-restore-*` copies and interrupted `.restore-staging-*` dirs restore leaves in the base directory. */
async function restoreLeftovers(podman: Podman, observation: StackObservation): Promise<CleanupItem[]> {
  const names = await readdir(observation.stack.baseDir).catch(() => [] as string[]);
  const items: CleanupItem[] = [];
  for (const v of observation.volumes) {
    for (const name of names.filter(
      (n) =>
        /^\.?(pre-restore|restore-staging)-/.test(n.slice(v.spec.name.length + 1)) &&
        n.startsWith(`${v.spec.name}.`),
    )) {
      const path = join(observation.stack.baseDir, name);
      const usage = await podman.unshare.du(path);
      items.push({
        volume: v.spec.name,
        kind: 'restore-leftover',
        path,
        ...usage,
        namedVolume: null,
      });
    }
  }
  return items;
}

/**
 * The containers cleanup may only stop and remove with `--stop`: every user of the volumes but our stopped
 * helpers, which a killed command left and which are removed without asking.
 */
export function usersInTheWay(plan: CleanupPlan): VolumeUser[] {
  return plan.users.filter((u) => u.running || !u.helper);
}

/** Deletes what the plan lists; with `stop`, first stops and removes the containers using the volumes. */
export async function applyCleanup(
  podman: Podman,
  plan: CleanupPlan,
  options: {
    stop: boolean;
    onStep?: (step: string) => void;
    /** Runs once the containers are stopped and before anything is deleted: the safety backup's moment. */
    beforeDelete?: () => Promise<void>;
  },
): Promise<{ freedBytes: number }> {
  const inUse = usersInTheWay(plan);
  if (inUse.length > 0 && !options.stop) {
    const names = inUse.map(
      (u) => `${u.container} (${u.running ? 'running' : 'stopped'}, uses ${u.volumes.join(', ')})`,
    );
    throw new PhoenixError('VOLUME_IN_USE', `volumes are in use by ${names.join('; ')}`, {
      hint: 'stop the stack first (podman-compose down), or pass --stop to stop and remove these containers',
      details: { containers: inUse.map((u) => u.container) },
    });
  }
  for (const user of plan.users) {
    if (user.running) {
      options.onStep?.(`stopping ${user.container}`);
      await podman.stop(user.container);
    }
    options.onStep?.(
      user.helper
        ? `removing helper container ${user.container} (an interrupted command's) and its anonymous volumes`
        : `removing container ${user.container}`,
    );
    // A helper's anonymous volume (the postgres image declares one) would be left behind without podman.
    // Another command's sweep of left helpers may have removed it meanwhile: gone is what was wanted.
    await podman.removeContainer(user.container, { anonymousVolumes: user.helper }).catch(async (error) => {
      if (!user.helper || (await podman.inspectContainer(user.container)) !== null) throw error;
    });
  }
  await options.beforeDelete?.();
  let freedBytes = 0;
  if (plan.remote) {
    const paths = plan.items.flatMap((i) => (i.path ? [i.path] : []));
    for (const path of paths) options.onStep?.(`removing ${path} on the machine, in a helper container`);
    const { removeThroughHelpers } = await import('./cleanup-remote.ts');
    await removeThroughHelpers(podman, plan.remote, paths);
  }
  for (const item of plan.items) {
    if (item.path && !plan.remote) {
      options.onStep?.(`removing ${item.path}`);
      await podman.unshare.rmrf(item.path);
    }
    if (item.path) freedBytes += item.bytes;
    if (item.namedVolume) {
      options.onStep?.(`removing podman volume ${item.namedVolume}`);
      await podman.volumeRm(item.namedVolume);
    }
  }
  if (plan.remote) {
    const { removeEmptyBaseThroughHelper } = await import('./cleanup-remote.ts');
    await removeEmptyBaseThroughHelper(podman, plan.remote);
  } else {
    await rmdir(plan.baseDir).catch(() => undefined); // only when empty: other files there are not ours
  }
  return { freedBytes };
}
