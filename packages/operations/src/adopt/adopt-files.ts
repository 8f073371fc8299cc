import { lstat, mkdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Stack } from '@phoenix-hydra/core';
import type { Podman, VolumeInfo } from '@phoenix-hydra/podman-adapter';
import { runTool } from './run-tool.ts';
import { isEmptyDir, summarizeTree, type TreeSummary } from './tree-summary.ts';

/** The names of one adopt copy: the volume directory, its staging copy, and where an empty one is put aside. */
export interface AdoptSwap {
  target: string;
  staging: string;
  previous: string;
}

/** Where adopt copies from: the podman volume, and its data directory (`_data` or device) as podman reports it. */
export interface AdoptSource {
  volume: string;
  path: string;
}

/**
 * Adopt's file work, wherever the data is: `localAdoptFiles` on this host inside the user namespace
 * (cp -a, renames), `helperAdoptFiles` on the machine behind a remote podman (helper containers). Paths
 * are the stack's (client) paths; summaries are compared only with summaries of the same kind.
 */
export interface AdoptFiles {
  /** A directory as `podman run` mounts it (the machine's path for it remotely). */
  mountPath(path: string): string;
  summarize(source: AdoptSource, hostPath: string): Promise<TreeSummary>;
  /** True when the volume directory is missing or holds nothing. */
  isEmptyDir(hostPath: string): Promise<boolean>;
  /** Makes the directory that holds the volume directory. */
  prepare(hostPath: string): Promise<void>;
  /** Copies the source into `swap.staging` (owners, modes, times kept); both trees summarised after. */
  copy(source: AdoptSource, swap: AdoptSwap): Promise<{ source: TreeSummary; copy: TreeSummary }>;
  /** Puts the staging copy in place of the (empty) target. */
  swap(swap: AdoptSwap): Promise<void>;
  /** Removes a staging copy; nothing when it is not there. */
  drop(path: string): Promise<void>;
  /** Keeps a podman-managed volume's data at `keep` before the volume is removed; false when there was none. */
  keepVolumeData(volume: VolumeInfo, keep: string): Promise<boolean>;
}

const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

/** Adopt on this host, inside the user namespace: owners read as the container sees them. */
export const localAdoptFiles: AdoptFiles = {
  mountPath: (path) => path,
  summarize: (source) => summarizeTree(source.path),
  isEmptyDir,
  async prepare(hostPath) {
    await mkdir(dirname(hostPath), { recursive: true });
  },
  async copy(source, swap) {
    // cp -a inside the user namespace keeps owners (999:999 as the container sees them), modes and times.
    await runTool(['cp', '-a', '--reflink=auto', '--no-target-directory', source.path, swap.staging]);
    // The source is read again now that its containers are stopped (a database's shutdown rewrote it).
    const [copy, read] = await Promise.all([summarizeTree(swap.staging), summarizeTree(source.path)]);
    return { source: read, copy };
  },
  async swap(swap) {
    await rename(swap.target, swap.previous).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(swap.staging, swap.target);
    await rmdir(swap.previous).catch(() => undefined);
  },
  async drop(path) {
    await rm(path, { recursive: true, force: true });
  },
  async keepVolumeData(volume, keep) {
    if (!(await exists(volume.mountpoint)) || (await exists(keep))) return false;
    await runTool(['mv', '--no-target-directory', volume.mountpoint, keep]);
    return true;
  },
};

/** This podman's kind: helper containers through a remote podman, the user namespace here otherwise. */
export async function adoptFilesFor(podman: Podman, stack: Stack): Promise<AdoptFiles> {
  if (!(await podman.remote()).remote) return localAdoptFiles;
  const { helperAdoptFiles } = await import('./remote-adopt.ts');
  return helperAdoptFiles(podman, stack);
}
