import { posix } from 'node:path';
import { diagnoseMachineError, nginxDefaultConf, PhoenixError, toMachinePath } from '@phoenix-hydra/core';
import type { Podman, VolumeFileOp, VolumeFiles, VolumeTarget } from '@phoenix-hydra/podman-adapter';
import { type ApplySetupOptions, primeVolume, SEEDED_OWNER } from './apply-setup.ts';
import type { SetupAction } from './plan-setup.ts';
import { helperImages, namedVolumeTarget } from './volume-targets.ts';

type Indexed = { action: SetupAction; index: number };

const { dirname, relative } = posix;

/** The deepest directory holding every path (their common parent); machine paths. */
function commonParent(paths: readonly string[]): string {
  let parent = dirname(paths[0] ?? '/');
  for (const p of paths)
    while (parent !== '/' && relative(parent, p).startsWith('../')) parent = dirname(parent);
  return parent;
}

/**
 * A path setup works on, as the machine names it (`C:\Users\me\x` is `/mnt/c/Users/me/x` from Windows);
 * USAGE naming the path when the machine cannot reach it by path (a UNC share, a relative path).
 */
function onMachine(path: string, platform: NodeJS.Platform): string {
  const machine = toMachinePath(path, platform);
  if (machine !== null) return machine;
  throw new PhoenixError(
    'USAGE',
    `${path} is not a path the podman machine can reach (not an absolute path on a local drive)`,
    {
      hint:
        platform === 'win32'
          ? 'phoenix-volumes setup --base-dir C:\\Users\\<you>\\phoenix-hydra   # a folder on a local drive, /mnt/c/Users/<you>/phoenix-hydra on the machine'
          : "phoenix-volumes setup --base-dir /var/home/core/phoenix-hydra   # an absolute path on the machine's disk, under the machine's home",
      details: { path },
    },
  );
}

/**
 * Creates directories on the machine through one helper that bind-mounts their nearest existing
 * ancestor (podman refuses a missing bind source with `statfs … no such file or directory`; each miss
 * costs one refused `podman run`, not a container). Never mounts `/`.
 */
async function makeDirectories(
  files: VolumeFiles,
  image: string,
  dirs: readonly { path: string; mode: number }[],
): Promise<void> {
  let parent = commonParent(dirs.map((d) => d.path));
  for (;;) {
    const ops: VolumeFileOp[] = dirs.map((d) => ({
      op: 'mkdir',
      path: relative(parent, d.path),
      mode: d.mode,
    }));
    const target: VolumeTarget = { source: parent, path: parent, image };
    try {
      await files.batch(target, ops);
      return;
    } catch (error) {
      const missing = /no such file or directory/i.test(
        String((error as PhoenixError).details?.stderr ?? ''),
      );
      if (!missing || dirname(parent) === '/') throw error;
      parent = dirname(parent);
    }
  }
}

/**
 * Setup through a remote podman, where the data lives on the machine: the new directories in one helper
 * (as the machine's rootless user, like a local mkdir), the named volumes bound to them, then one helper
 * per volume through its named volume for default.conf, modes and owners. That helper's mount is the
 * volume's first, so podman's first-mount chown happens before the helper sets the owner; a new volume
 * with nothing to change is primed as locally.
 */
export async function applyThroughHelpers(
  podman: Podman,
  files: VolumeFiles,
  actions: readonly SetupAction[],
  options: ApplySetupOptions,
): Promise<void> {
  const stack = options.stack;
  if (!stack) throw new PhoenixError('INTERNAL', 'setup through a remote podman needs the stack');
  const platform = options.platform ?? process.platform;
  const at = (path: string) => onMachine(path, platform);
  // Every path mapped before the first change: one the machine cannot reach stops setup with nothing done.
  for (const action of actions) at(action.type === 'volume-create' ? action.device : action.path);
  const images = helperImages(podman, stack);
  const needImage = async (volume?: string): Promise<string> => {
    const spec = stack.volumes.find((v) => v.name === volume);
    const image = await images(spec);
    if (image) return image;
    throw new PhoenixError(
      'PODMAN_FAILED',
      `the machine has none of ${stack.project}'s images to run a setup helper in`,
      {
        hint: "podman-compose pull   # or build them; setup runs its helpers in the stack's own images and never pulls",
        details: { images: stack.services.map((s) => s.image) },
      },
    );
  };
  const indexed = actions.map((action, index) => ({ action, index }));
  const announce = (items: readonly Indexed[]) => {
    for (const { action, index } of items) options.onAction?.(action, index, actions.length);
  };

  const mkdirs = indexed.filter((i) => i.action.type === 'mkdir');
  if (mkdirs.length > 0) {
    announce(mkdirs);
    const dirs = mkdirs.flatMap(({ action }) =>
      action.type === 'mkdir' ? [{ path: at(action.path), mode: action.mode }] : [],
    );
    await makeDirectories(
      files,
      await needImage(mkdirs.find((m) => m.action.volume)?.action.volume ?? undefined),
      dirs,
    );
  }
  const creates = indexed.filter((i) => i.action.type === 'volume-create');
  for (const item of creates) {
    announce([item]);
    if (item.action.type === 'volume-create') {
      await podman.volumeCreate(item.action.name, {
        device: at(item.action.device),
        labels: item.action.labels,
      });
    }
  }
  const changed = new Set<string>();
  for (const spec of stack.volumes) {
    const own = indexed.filter(
      (i) =>
        i.action.volume === spec.name &&
        ['seed-default-conf', 'chmod', 'chown', 'relabel'].includes(i.action.type),
    );
    if (own.length === 0) continue;
    announce(own);
    const ops = own.flatMap(({ action }) => volumeOps(at(spec.hostPath), action, at));
    const target = {
      ...namedVolumeTarget(stack, spec, await needImage(spec.name)),
      relabel: own.some((i) => i.action.type === 'relabel'),
    };
    await files.batch(target, ops).catch((error: unknown) => {
      throw explainMachineFailure(error, spec.hostPath, platform);
    });
    changed.add(spec.name);
  }
  for (const { action } of creates) {
    if (action.type === 'volume-create' && action.prime && !changed.has(action.volume)) {
      await primeVolume(podman, action.name, action.prime);
    }
  }
}

/**
 * A helper's failure in the words of what podman machine users hit (chown refused on a virtiofs/9p share,
 * a bind source the machine cannot see, `:Z` on a share), with the fix; other failures unchanged.
 */
export function explainMachineFailure(
  error: unknown,
  source: string,
  platform: NodeJS.Platform = process.platform,
): unknown {
  const stderr = (error as PhoenixError | undefined)?.details?.stderr;
  const found = typeof stderr === 'string' ? diagnoseMachineError(stderr, platform, source) : null;
  if (!found) return error;
  return new PhoenixError('PODMAN_FAILED', found.message, {
    hint: found.hint,
    cause: error,
    details: { ...(error as PhoenixError).details, diagnosis: found.code },
  });
}

/** One action as helper operations inside its volume: paths relative to the volume's machine path. */
function volumeOps(volumePath: string, action: SetupAction, at: (path: string) => string): VolumeFileOp[] {
  const inVolume = (path: string) => relative(volumePath, at(path));
  switch (action.type) {
    case 'seed-default-conf':
      return [
        {
          op: 'writeFile',
          path: inVolume(action.path),
          bytes: new TextEncoder().encode(nginxDefaultConf(action.port)),
          mode: 0o644,
          owner: SEEDED_OWNER,
          noClobber: true,
        },
      ];
    case 'chmod':
      return [{ op: 'chmod', path: inVolume(action.path), mode: action.mode }];
    case 'chown':
      return [
        {
          op: 'chown',
          path: inVolume(action.path),
          owner: action.owner,
          recursive: action.recursive,
        },
      ];
    default:
      return []; // relabel: the helper's own `:z` mount does it
  }
}
