import { lstat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { type Owner, type Stack, toMachinePath, type VolumeSpec } from '@phoenix-hydra/core';
import {
  type IdMapping,
  type Podman,
  toContainerId,
  toHostId,
  type VolumeFileStat,
  type VolumeFiles,
  type VolumeInfo,
  type VolumeTarget,
  volumeFilesFor,
} from '@phoenix-hydra/podman-adapter';
import { readUserNamespace, type UserNamespace } from './user-namespace.ts';
import { helperImages, volumeSource } from './volume-targets.ts';

/** A path as the host sees it and, through the user's id maps, as a container sees it. */
export interface PathState {
  type: 'directory' | 'file' | 'symlink' | 'other';
  /** Permission bits (0o7777). */
  mode: number;
  hostUid: number;
  hostGid: number;
  /** The owner inside a container; undefined when the host id is outside the user's ranges. */
  owner: Partial<Owner>;
}

/** Free space of the filesystem holding a volume, from statfs. */
export interface SpaceState {
  sizeBytes: number;
  availBytes: number;
  filesFree: number;
  files: number;
}

/** Everything setup, check and doctor read about one volume, gathered once. */
export interface VolumeObservation {
  spec: VolumeSpec;
  podmanVolumeName: string;
  dir: PathState | null;
  namedVolume: VolumeInfo | null;
  /** `default.conf` of an nginx configuration volume; undefined for other volumes. */
  defaultConf?: PathState | null;
  space: SpaceState | null;
}

/** The observed state of the whole stack. */
export interface StackObservation {
  stack: Stack;
  namespace: UserNamespace;
  baseDir: PathState | null;
  volumes: VolumeObservation[];
}

const NGINX_CONF_DIR = '/etc/nginx/conf.d';

/** True for a volume that holds nginx's conf.d, which must contain a default.conf. */
export function isNginxConfig(spec: VolumeSpec): boolean {
  return spec.containerPath.replace(/\/+$/, '') === NGINX_CONF_DIR;
}

/** lstat through the id maps; null when the path does not exist. */
async function observePath(
  path: string,
  uidMappings: readonly IdMapping[],
  gidMappings: readonly IdMapping[],
): Promise<PathState | null> {
  try {
    const st = await lstat(path);
    const uid = toContainerId(st.uid, uidMappings);
    const gid = toContainerId(st.gid, gidMappings);
    return {
      type: st.isDirectory() ? 'directory' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other',
      mode: st.mode & 0o7777,
      hostUid: st.uid,
      hostGid: st.gid,
      owner: { ...(uid === undefined ? {} : { uid }), ...(gid === undefined ? {} : { gid }) },
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** statfs of the nearest existing ancestor of a path, so space is known before setup creates it. */
async function observeSpace(path: string): Promise<SpaceState | null> {
  let current = path;
  for (;;) {
    try {
      const st = await statfs(current);
      return {
        sizeBytes: st.blocks * st.bsize,
        availBytes: st.bavail * st.bsize,
        filesFree: st.ffree,
        files: st.files,
      };
    } catch (error) {
      const parent = join(current, '..');
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) return null;
      current = parent;
    }
  }
}

/**
 * Reads the id maps, each volume directory and each named volume; changes nothing. Through a remote
 * podman the directories are on the machine: they are read by helper containers (`files`, by default
 * chosen from `podman.remote()`) at the paths the machine knows them by (`platform`: where this client
 * runs, C:\x is /mnt/c/x from Windows), and free space is not known from here.
 */
export async function observeStack(
  stack: Stack,
  podman: Podman,
  namespace?: UserNamespace,
  files?: VolumeFiles,
  platform: NodeJS.Platform = process.platform,
): Promise<StackObservation> {
  const ns = namespace ?? (await readUserNamespace({ podman }));
  const chosen = files ?? (await volumeFilesFor(podman));
  if (chosen.kind === 'helper') return observeThroughHelpers(stack, podman, ns, chosen, platform);
  const { uidMappings, gidMappings } = ns;
  // The host user cannot even stat inside a subuid-owned 0700 directory: ask the namespace instead.
  const look = async (path: string): Promise<PathState | null> => {
    try {
      return await observePath(path, uidMappings, gidMappings);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
      const [st] = await podman.unshare.stat([path]).catch(() => []);
      if (!st) return null;
      return {
        type: st.type,
        mode: st.mode,
        hostUid: toHostId(st.uid, uidMappings) ?? -1,
        hostGid: toHostId(st.gid, gidMappings) ?? -1,
        owner: { uid: st.uid, gid: st.gid },
      };
    }
  };
  const named = inspectNamedVolumes(stack, podman);
  const volumes = await Promise.all(
    stack.volumes.map(async (spec, i): Promise<VolumeObservation> => {
      const name = `${stack.project}_${spec.name}`;
      const [dir, all, space] = await Promise.all([look(spec.hostPath), named, observeSpace(spec.hostPath)]);
      const namedVolume = all[i] ?? null;
      const observation: VolumeObservation = { spec, podmanVolumeName: name, dir, namedVolume, space };
      if (isNginxConfig(spec))
        observation.defaultConf = dir ? await look(join(spec.hostPath, 'default.conf')) : null;
      return observation;
    }),
  );
  return { stack, namespace: ns, baseDir: await look(stack.baseDir), volumes };
}

// Every volume's named volume in one podman call, started before the directories are read.
function inspectNamedVolumes(stack: Stack, podman: Podman): Promise<(VolumeInfo | null)[]> {
  const named = podman.volumesInspect(stack.volumes.map((spec) => `${stack.project}_${spec.name}`));
  named.catch(() => {}); // awaited by each volume; a directory read that fails first must not leave it unhandled
  return named;
}

function pathState(st: VolumeFileStat, ns: UserNamespace): PathState {
  return {
    type: st.type,
    mode: st.mode,
    hostUid: toHostId(st.uid, ns.uidMappings) ?? -1,
    hostGid: toHostId(st.gid, ns.gidMappings) ?? -1,
    owner: { uid: st.uid, gid: st.gid },
  };
}

/**
 * One helper per volume (the directory and, for nginx, default.conf in one container), through its named
 * volume or, before there is one, its path on the machine; and one for the base directory. A directory
 * the machine lacks reads as missing: setup creates it.
 */
async function observeThroughHelpers(
  stack: Stack,
  podman: Podman,
  ns: UserNamespace,
  files: VolumeFiles,
  platform: NodeJS.Platform,
): Promise<StackObservation> {
  const images = helperImages(podman, stack);
  const stat = async (target: Omit<VolumeTarget, 'image'>, paths: string[], spec?: VolumeSpec) => {
    const image = await images(spec);
    if (!image) return paths.map(() => null);
    const results = await files
      .batch(
        { ...target, image },
        paths.map((path) => ({ op: 'stat', path })),
      )
      .catch(() => paths.map(() => ({ op: 'stat' as const, path: '', stat: null })));
    return results.map((r) => (r.op === 'stat' && r.stat ? pathState(r.stat, ns) : null));
  };
  const named = inspectNamedVolumes(stack, podman);
  const volumes = await Promise.all(
    stack.volumes.map(async (spec, i): Promise<VolumeObservation> => {
      const name = `${stack.project}_${spec.name}`;
      const namedVolume = (await named)[i] ?? null;
      const nginx = isNginxConfig(spec);
      // Through its named volume when that is bound to the directory. Otherwise the directory may still be
      // on the machine (the original scripts made it with mkdir; a drifted volume keeps its data elsewhere):
      // the helper mounts the path itself, and podman refuses a missing one (read as missing).
      const source = volumeSource({ spec, namedVolume, podmanVolumeName: name }, platform);
      const [dir = null, conf = null] = await stat(
        { source, path: spec.hostPath },
        nginx ? ['', 'default.conf'] : [''],
        spec,
      );
      const observation: VolumeObservation = { spec, podmanVolumeName: name, dir, namedVolume, space: null };
      if (nginx) observation.defaultConf = dir ? conf : null;
      return observation;
    }),
  );
  const base = toMachinePath(stack.baseDir, platform) ?? stack.baseDir;
  const [baseDir = null] = await stat({ source: base, path: stack.baseDir }, ['']);
  return { stack, namespace: ns, baseDir, volumes };
}
