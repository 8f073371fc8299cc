import type { Journal } from '@phoenix-hydra/backup';
import { formatOwner, PhoenixError, type Stack } from '@phoenix-hydra/core';
import { probeImage } from '@phoenix-hydra/diagnostics';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { type AdoptFiles, type AdoptSwap, adoptFilesFor } from './adopt-files.ts';
import { composeUp, finishRebind } from './finish-adopt.ts';
import type { AdoptItem, AdoptPlan } from './plan-adopt.ts';

/** What an adopt did, per volume, and what the user may remove once satisfied. */
export interface AdoptResult {
  volume: string;
  target: string;
  entries: number;
  bytes: number;
  /** `pg_controldata`'s cluster state of an adopted database ('shut down'), or null when not a database. */
  clusterState: string | null;
  /** The old data, kept: a directory (`podman unshare rm -rf`) or a podman volume (`podman volume rm`). */
  kept: { path: string } | { volume: string };
}

function stampOf(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
}

/** pg_controldata on the copy, in a throwaway container of the service's image, as the volume's owner. */
async function clusterState(
  stack: Stack,
  podman: Podman,
  item: AdoptItem,
  dir: string,
  files: AdoptFiles,
): Promise<string | null> {
  if (item.spec.kind !== 'database') return null;
  const image = probeImage(stack, item.spec);
  if (!image || !(await podman.imageExists(image))) return null;
  const result = await podman.run(image, ['/pgdata'], {
    entrypoint: 'pg_controldata',
    user: formatOwner(item.spec.owner),
    mounts: [{ source: files.mountPath(dir), target: '/pgdata', options: ['ro'] }],
  });
  const state = /^Database cluster state:\s*(.+)$/m.exec(result.stdout)?.[1]?.trim();
  if (result.exitCode !== 0 || state === undefined) {
    throw new PhoenixError(
      'ADOPT_FAILED',
      `pg_controldata cannot read the copy of ${item.spec.name}: ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return state;
}

/** Copies one volume into a staging directory beside its host path, verifies it, and renames it into place. */
async function copyVolume(
  stack: Stack,
  podman: Podman,
  item: AdoptItem,
  journal: Journal,
  stamp: string,
  files: AdoptFiles,
): Promise<Omit<AdoptResult, 'kept'>> {
  const target = item.spec.hostPath;
  const swap = { target, staging: `${target}.adopt-${stamp}`, previous: `${target}.pre-adopt-${stamp}` };
  await files.prepare(target);
  await journal.update((s) => {
    s.swaps.push(swap);
  });
  try {
    return await copyAndSwap(stack, podman, item, swap, journal, files);
  } catch (error) {
    // Nothing is in place yet: the staging copy goes, the source volume was only read.
    await files.drop(swap.staging);
    await journal.update((s) => {
      s.swaps = s.swaps.filter((w) => w.staging !== swap.staging);
    });
    throw error;
  }
}

async function copyAndSwap(
  stack: Stack,
  podman: Podman,
  item: AdoptItem,
  swap: AdoptSwap,
  journal: Journal,
  files: AdoptFiles,
): Promise<Omit<AdoptResult, 'kept'>> {
  const { target } = swap;
  const { copy, source } = await files.copy({ volume: item.sourceVolume, path: item.sourcePath }, swap);
  if (copy.digest !== source.digest) {
    throw new PhoenixError(
      'ADOPT_FAILED',
      `the copy of ${item.sourceVolume} differs from it (${copy.entries} entries, ${copy.bytes} bytes; the volume has ${source.entries}, ${source.bytes})`,
      { hint: 'nothing was changed; is something still writing to the volume?' },
    );
  }
  const state = await clusterState(stack, podman, item, swap.staging, files);
  if (state !== null && state !== 'shut down') {
    throw new PhoenixError(
      'ADOPT_FAILED',
      `the database copied from ${item.sourceVolume} is "${state}", not cleanly shut down`,
      {
        hint: 'start and stop the database once (podman-compose up -d db; podman-compose stop db), then adopt again',
      },
    );
  }
  await files.swap(swap);
  await journal.update((s) => {
    s.swaps = s.swaps.filter((w) => w.staging !== swap.staging);
  });
  return { volume: item.spec.name, target, entries: copy.entries, bytes: copy.bytes, clusterState: state };
}

/**
 * Adopts the planned volumes: stops their containers, copies each into its bind directory (owners and
 * modes kept) and verifies it (entries, bytes, owners, modes; pg_controldata for a database), then
 * recreates a podman-managed stack volume bound to that directory, keeping its old data beside it,
 * and starts the stack again (podman-compose up -d when containers had to be removed). Every step is
 * journaled first: a killed adopt is undone (before the copy is in place) or finished (after).
 */
export async function adoptVolumes(
  stack: Stack,
  podman: Podman,
  plan: AdoptPlan,
  options: { journal: Journal; log: (line: string) => void; now?: Date; files?: AdoptFiles },
): Promise<AdoptResult[]> {
  const { journal, log } = options;
  const files = options.files ?? (await adoptFilesFor(podman, stack));
  const stamp = stampOf(options.now ?? new Date());
  const running = plan.users.filter((u) => u.running).map((u) => u.container);
  const rebinds = plan.items.filter((i) => i.rebind);
  if (rebinds.length > 0 && stack.composeFile === null) {
    throw new PhoenixError(
      'ADOPT_FAILED',
      `recreating ${rebinds.map((i) => i.stackVolume).join(', ')} means recreating the containers, which needs the compose file`,
      { hint: 'run adopt from the directory of your podman-compose.yaml (or pass --compose FILE)' },
    );
  }
  const results: Omit<AdoptResult, 'kept'>[] = [];
  // Once containers are removed, only podman-compose brings them back (now, or the next command's repair).
  let removed = false;
  try {
    for (const container of running) {
      await journal.update((s) => {
        s.stopped.push(container);
      });
      log(`stopping ${container}`);
      await podman.stop(container);
    }
    for (const item of plan.items) {
      log(`copying ${item.sourceVolume} (${item.source.entries} entries) into ${item.spec.hostPath}`);
      results.push(await copyVolume(stack, podman, item, journal, stamp, files));
    }
    if (rebinds.length > 0 && stack.composeFile !== null) {
      const file = stack.composeFile;
      const entries = rebinds.map((i) => ({
        volume: i.stackVolume,
        device: i.spec.hostPath,
        keep: `${i.spec.hostPath}.podman-volume-${stamp}`,
        labels: i.labels,
        prime: probeImage(stack, i.spec)
          ? { image: probeImage(stack, i.spec) as string, owner: i.spec.owner }
          : null,
      }));
      await journal.update((s) => {
        s.rebind.push(...entries);
        s.composeUp.push(file);
        s.stopped = [];
      });
      removed = true;
      for (const user of plan.users) {
        log(
          user.helper
            ? `removing helper container ${user.container} (an interrupted command's)`
            : `removing container ${user.container} (podman-compose creates it again)`,
        );
        await podman.removeContainer(user.container, { anonymousVolumes: user.helper });
      }
      for (const entry of entries) for (const line of await finishRebind(podman, entry, files)) log(line);
      await journal.update((s) => {
        s.rebind = [];
      });
      log(`starting the stack: podman-compose -f ${file} up -d`);
      await composeUp(file);
      await journal.update((s) => {
        s.composeUp = [];
      });
    }
  } finally {
    if (!removed) {
      for (const container of [...running].reverse()) {
        log(`starting ${container} again`);
        await podman
          .start(container)
          .catch((e: Error) => log(`error: could not start ${container}: ${e.message}`));
      }
      await journal.update((s) => {
        s.stopped = [];
      });
    }
  }
  return results.map((r) => {
    const item = plan.items.find((i) => i.spec.name === r.volume) as AdoptItem;
    const kept = item.rebind
      ? { path: `${item.spec.hostPath}.podman-volume-${stamp}` }
      : { volume: item.sourceVolume };
    return { ...r, kept };
  });
}
