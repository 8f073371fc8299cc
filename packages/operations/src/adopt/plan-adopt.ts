import { PhoenixError, type Stack, type VolumeSpec } from '@phoenix-hydra/core';
import { findVolumeUsers, observeStack, type VolumeUser } from '@phoenix-hydra/diagnostics';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { type AdoptFiles, adoptFilesFor, localAdoptFiles } from './adopt-files.ts';
import type { TreeSummary } from './tree-summary.ts';

/** One volume whose data lives in podman's storage and moves into its bind directory. */
export interface AdoptItem {
  spec: VolumeSpec;
  /** The podman volume the data is copied from (the stack's own, or --from-volume's). */
  sourceVolume: string;
  /** Its `_data` directory (or its device, for a bind-backed source). */
  sourcePath: string;
  source: TreeSummary;
  /** The stack's podman volume (`<project>_<volume>`), recreated with the bind options when `rebind`. */
  stackVolume: string;
  /** True when the stack's own volume is podman-managed and must be recreated bound to the host path. */
  rebind: boolean;
  labels: Record<string, string>;
}

/** What adopt will do; printed before anything changes. */
export interface AdoptPlan {
  items: AdoptItem[];
  /** Every container of the stack that mounts an adopted volume (stopped; removed when a volume is rebound). */
  users: VolumeUser[];
  /** Volumes looked at and left alone, with the reason. */
  skipped: { volume: string; reason: string }[];
}

export interface PlanAdoptOptions {
  /** Only these volumes of the stack (default: every volume whose podman volume is podman-managed). */
  volumes?: readonly string[] | undefined;
  /** Take the data from this podman volume (e.g. of another project name); needs exactly one volume. */
  fromVolume?: string | undefined;
  /** How the trees are read (default: chosen from `podman.remote()`). */
  files?: AdoptFiles | undefined;
}

/**
 * Finds the data of the original scripts: a stack volume that podman-compose created without the
 * bind options (data in podman's storage), or the volume `fromVolume` names. Refuses a target
 * directory that already holds data: adopt never merges or overwrites. Run inside the user namespace
 * locally; through a remote podman helper containers read the trees on the machine.
 */
export async function planAdopt(
  stack: Stack,
  podman: Podman,
  options: PlanAdoptOptions = {},
): Promise<AdoptPlan> {
  const files = options.files ?? (await adoptFilesFor(podman, stack));
  const observation = await observeStack(stack, podman);
  const wanted = options.volumes?.length ? options.volumes : undefined;
  for (const name of wanted ?? []) {
    if (!stack.volumes.some((v) => v.name === name)) {
      throw new PhoenixError('VOLUME_UNKNOWN', `the stack has no volume ${name}`, {
        hint: `its volumes: ${stack.volumes.map((v) => v.name).join(', ')}`,
      });
    }
  }
  const selected = observation.volumes.filter((v) => wanted === undefined || wanted.includes(v.spec.name));
  if (options.fromVolume !== undefined && selected.length !== 1) {
    throw new PhoenixError('USAGE', '--from-volume copies one volume: name it with --volume', {
      hint: `e.g. --from-volume ${options.fromVolume} --volume db_data`,
    });
  }
  const items: AdoptItem[] = [];
  const skipped: AdoptPlan['skipped'] = [];
  for (const v of selected) {
    const own = v.namedVolume;
    const rebind = own !== null && own.device === null;
    let source = own;
    if (options.fromVolume !== undefined) {
      source = await podman.volumeInspect(options.fromVolume);
      if (source === null) {
        throw new PhoenixError('ADOPT_FAILED', `podman has no volume ${options.fromVolume}`, {
          hint: 'podman volume ls lists the volumes',
        });
      }
    } else if (!rebind) {
      skipped.push({
        volume: v.spec.name,
        reason: own === null ? 'podman has no volume for it yet' : `already bound to ${own.device}`,
      });
      continue;
    }
    if (source === null) continue;
    const sourcePath = source.device ?? source.mountpoint;
    const summary = await files.summarize({ volume: source.name, path: sourcePath }, v.spec.hostPath);
    if (summary.entries === 0) {
      skipped.push({ volume: v.spec.name, reason: `${source.name} is empty` });
      continue;
    }
    if (!(await files.isEmptyDir(v.spec.hostPath))) {
      const moveAway =
        files === localAdoptFiles
          ? `podman unshare mv ${v.spec.hostPath} ${v.spec.hostPath}.old`
          : `on the machine that runs podman (podman machine ssh), rename ${v.spec.hostPath} to ${v.spec.hostPath}.old`;
      throw new PhoenixError(
        'ADOPT_FAILED',
        `${v.spec.hostPath} already holds data; adopt copies ${source.name} only into an empty directory`,
        {
          hint: `look at both; if the host directory is the one to keep, nothing needs adopting. To take ${source.name}, move the host directory away first: ${moveAway}`,
          details: { volume: v.spec.name, source: source.name },
        },
      );
    }
    items.push({
      spec: v.spec,
      sourceVolume: source.name,
      sourcePath,
      source: summary,
      stackVolume: v.podmanVolumeName,
      rebind,
      labels: own?.labels ?? {},
    });
  }
  const names = items.map((i) => i.spec.name);
  // A stopped helper a killed command left would keep podman from recreating the volume: removed with the rest.
  const users = (await findVolumeUsers(podman, observation, { helpers: true })).filter(
    (u) => u.volumes.some((n) => names.includes(n)) && !(u.helper && u.running),
  );
  return { items, users, skipped };
}
