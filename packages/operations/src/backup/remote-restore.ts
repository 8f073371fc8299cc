import { join } from 'node:path';
import {
  checkForHelperRestore,
  type Journal,
  type ManifestVolume,
  plainTarStream,
  type RestoreResult,
} from '@phoenix-hydra/backup';
import { isPhoenixError, machineParentOf, type Stack, type VolumeSpec } from '@phoenix-hydra/core';
import { helperTarIn, type Podman } from '@phoenix-hydra/podman-adapter';
import { helperImage } from './remote-tar.ts';

export interface HelperRestoreOptions {
  backupDir: string;
  id: string;
  volume: ManifestVolume;
  journal?: Journal | undefined;
  signal?: AbortSignal | undefined;
  /** Where this client runs (default this process's): how the volume's path maps onto the machine. */
  platform?: NodeJS.Platform | undefined;
}

const stampOf = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');

/**
 * Restores an archived volume through a remote podman (podman machine), where its directory is on the
 * machine: everything is checked in Node first (hashes, entry list, unsafe entries, paths under a link),
 * then one helper container mounting the directory's parent extracts the plain tar into
 * `<dir>.restore-staging-<time>` and swaps it in, the old data kept as `<dir>.pre-restore-<time>`, as a
 * local restore names them. The swap is journaled while it is under way.
 */
export async function restoreThroughHelper(
  podman: Podman,
  stack: Stack,
  spec: VolumeSpec,
  options: HelperRestoreOptions,
): Promise<RestoreResult> {
  const backupPath = join(options.backupDir, options.id);
  await checkForHelperRestore(backupPath, options.volume, options.signal);
  const target = spec.hostPath;
  const stamp = stampOf(new Date());
  const swap = {
    target,
    staging: `${target}.restore-staging-${stamp}`,
    previous: `${target}.pre-restore-${stamp}`,
  };
  // The helper mounts the directory holding it, as the machine names it (C:\x → /mnt/c/x from Windows).
  const { parent, name } = machineParentOf(target, options.platform ?? process.platform);
  const image = await helperImage(podman, stack, spec);
  await options.journal?.update((s) => s.swaps.push(swap));
  const finished = () => options.journal?.update((s) => s.swaps.splice(s.swaps.indexOf(swap), 1));
  let kept: boolean;
  try {
    ({ kept } = await helperTarIn(
      podman.config,
      { source: parent, path: parent, image },
      { target: name, staging: `${name}.restore-staging-${stamp}`, previous: `${name}.pre-restore-${stamp}` },
      plainTarStream(backupPath, options.volume),
      options.signal,
    ));
  } catch (error) {
    // Only a failure between the two renames leaves something to repair; the script undoes the rest.
    const code = (error as { details?: { exitCode?: number } }).details?.exitCode;
    if (isPhoenixError(error) && code !== 7 && code !== 8) await finished();
    throw error;
  }
  await finished();
  return {
    id: options.id,
    volume: options.volume.name,
    targetPath: target,
    preRestorePath: kept ? swap.previous : null,
  };
}
