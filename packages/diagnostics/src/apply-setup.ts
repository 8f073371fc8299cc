import { chmod, mkdir } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { nginxDefaultConf, type Owner, type Stack } from '@phoenix-hydra/core';
import { type Podman, type VolumeFiles, volumeFilesFor } from '@phoenix-hydra/podman-adapter';
import { applyThroughHelpers } from './apply-setup-remote.ts';
import type { SetupAction } from './plan-setup.ts';

/** Progress of apply: called before each action runs. */
export type ApplyListener = (action: SetupAction, index: number, total: number) => void;

/** The owner a seeded default.conf gets: root of the container (the host user), as `cp` as namespace root gave it. */
export const SEEDED_OWNER: Owner = { uid: 0, gid: 0 };

/** Writes default.conf without ever replacing one, as root of the volume's containers. */
async function seedDefaultConf(files: VolumeFiles, path: string, port: number): Promise<void> {
  const volumePath = dirname(path);
  await files.batch(local(volumePath), [
    {
      op: 'writeFile',
      path: relative(volumePath, path),
      bytes: new TextEncoder().encode(nginxDefaultConf(port)),
      mode: 0o644,
      owner: SEEDED_OWNER,
      noClobber: true,
    },
  ]);
}

/** A volume directory on this host, as localFiles addresses it. */
const local = (path: string) => ({ source: path, path, image: '' });

async function applyOne(podman: Podman, files: VolumeFiles, action: SetupAction): Promise<void> {
  switch (action.type) {
    case 'mkdir':
      await mkdir(action.path, { recursive: true, mode: action.mode });
      await chmod(action.path, action.mode);
      return;
    case 'seed-default-conf':
      return seedDefaultConf(files, action.path, action.port);
    case 'chmod':
      await files.batch(local(action.path), [{ op: 'chmod', path: '', mode: action.mode }]);
      return;
    case 'chown':
      await files.batch(local(action.path), [
        { op: 'chown', path: '', owner: action.owner, recursive: action.recursive },
      ]);
      return;
    case 'relabel':
      return podman.unshare.chcon(action.path, 'container_file_t', { recursive: true });
    case 'volume-create':
      await podman.volumeCreate(action.name, { device: action.device, labels: action.labels });
      if (action.prime) await primeVolume(podman, action.name, action.prime);
      return;
  }
}

/**
 * Mounts a new volume once, read-only at a path no image has, as the volume's owner: podman's
 * first-mount chown then changes nothing, and later containers (nginx as root) keep the owner.
 * Skipped when the image is not present locally: nothing is pulled.
 */
export async function primeVolume(
  podman: Podman,
  name: string,
  prime: { image: string; owner: Owner },
): Promise<void> {
  if (!(await podman.imageExists(prime.image))) return;
  await podman.run(prime.image, [], {
    entrypoint: 'true',
    user: prime.owner,
    mounts: [{ source: name, target: '/phoenix-prime', options: ['ro'] }],
  });
}

/** How applySetup reaches the files; by default chosen from `podman.remote()`. */
export interface ApplySetupOptions {
  baseDir: string;
  onAction?: ApplyListener | undefined;
  /** `podman unshare` locally, helper containers through a remote podman. */
  files?: VolumeFiles | undefined;
  /** Needed through a remote podman: which named volumes and images the helpers use. */
  stack?: Stack | undefined;
  /** Where this client runs (default this process's): how its paths map onto a podman machine. */
  platform?: NodeJS.Platform | undefined;
}

/**
 * Runs a setup plan; stops at the first failure, which names the action that failed. Locally each action
 * runs in order; through a remote podman the actions are batched into one helper container per volume.
 */
export async function applySetup(
  podman: Podman,
  actions: readonly SetupAction[],
  options: ApplySetupOptions,
): Promise<void> {
  const files = options.files ?? (await volumeFilesFor(podman));
  if (files.kind === 'helper') return applyThroughHelpers(podman, files, actions, options);
  let index = 0;
  for (const action of actions) {
    options.onAction?.(action, index, actions.length);
    await applyOne(podman, files, action);
    index += 1;
  }
}
