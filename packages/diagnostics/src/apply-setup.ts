import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nginxDefaultConf, type Owner } from '@phoenix-hydra/core';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import type { SetupAction } from './plan-setup.ts';

/** Progress of apply: called before each action runs. */
export type ApplyListener = (action: SetupAction, index: number, total: number) => void;

/**
 * Writes default.conf without ever replacing one: the temp file is written where the host user
 * can write, then `podman unshare cp -n` moves it in, which also works once the directory belongs
 * to nginx's subordinate uid.
 */
async function seedDefaultConf(podman: Podman, path: string, port: number, baseDir: string): Promise<void> {
  const temp = join(baseDir, `.default.conf.${randomBytes(4).toString('hex')}`);
  await writeFile(temp, nginxDefaultConf(port), { mode: 0o644, flag: 'wx' });
  try {
    await podman.unshare.cp(temp, path, { noClobber: true });
    await podman.unshare.chmod([path], 0o644);
  } finally {
    await rm(temp, { force: true });
  }
}

async function applyOne(podman: Podman, action: SetupAction, baseDir: string): Promise<void> {
  switch (action.type) {
    case 'mkdir':
      await mkdir(action.path, { recursive: true, mode: action.mode });
      await chmod(action.path, action.mode);
      return;
    case 'seed-default-conf':
      return seedDefaultConf(podman, action.path, action.port, baseDir);
    case 'chmod':
      return podman.unshare.chmod([action.path], action.mode);
    case 'chown':
      return podman.unshare.chown([action.path], action.owner, { recursive: action.recursive });
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
async function primeVolume(
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

/** Runs a setup plan in order; stops at the first failure, which names the action that failed. */
export async function applySetup(
  podman: Podman,
  actions: readonly SetupAction[],
  options: { baseDir: string; onAction?: ApplyListener | undefined },
): Promise<void> {
  let index = 0;
  for (const action of actions) {
    options.onAction?.(action, index, actions.length);
    await applyOne(podman, action, options.baseDir);
    index += 1;
  }
}
