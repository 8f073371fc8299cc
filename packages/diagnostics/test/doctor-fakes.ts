// A DoctorContext made of recorded outputs (see capture-fixtures.sh), so every check runs without podman.
import { readFileSync } from 'node:fs';
import { defaultStack, type Stack } from '@phoenix-hydra/core';
import {
  COMPOSE_SERVICE_LABEL,
  type ContainerInfo,
  containerInspectSchema,
  infoSchema,
  mappingsFromSubid,
  type PodmanInfo,
  parseSubid,
  toContainerInfo,
  toPodmanInfo,
  toVolumeInfo,
  type VolumeInfo,
  volumeSchema,
} from '@phoenix-hydra/podman-adapter';
import { z } from 'zod';
import type { DoctorContext, DoctorOptions, ProcessResult } from '../src/doctor/context.ts';
import { resolveSettings } from '../src/doctor/context.ts';
import type { PathState, StackObservation, VolumeObservation } from '../src/observe.ts';
import type { ServiceContainer } from '../src/service-states.ts';
import type { VolumeUser } from '../src/usage/volume-users.ts';

/** A recorded output from test/fixtures. */
export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

/** The paths capture-fixtures.sh recorded under: the test user's home and the dx-fixture project. */
export const HOME = '/home/phoenix-e2e';
export const BASE = `${HOME}/dx-fixture`;
export const PROJECT = 'dx-fixture';

export const stack: Stack = defaultStack({ project: PROJECT, baseDir: BASE });

const subuid = parseSubid(fixture('subuid'));
/** The maps of the recorded user (uid 1001, 100000:65536). */
export const namespace = {
  rootless: true,
  uidMappings: mappingsFromSubid(1001, subuid),
  gidMappings: mappingsFromSubid(1001, subuid),
  selinuxEnabled: false,
};

export function recordedInfo(name = 'info.json'): PodmanInfo {
  return toPodmanInfo(infoSchema.parse(JSON.parse(fixture(name))));
}

export function recordedContainer(name: string): ContainerInfo {
  const [raw] = z.array(containerInspectSchema).parse(JSON.parse(fixture(name)));
  if (!raw) throw new Error(`${name} holds no container`);
  return toContainerInfo(raw);
}

export function recordedVolume(name = 'volume-inspect-bind.json'): VolumeInfo {
  const [raw] = z.array(volumeSchema).parse(JSON.parse(fixture(name)));
  if (!raw) throw new Error(`${name} holds no volume`);
  return toVolumeInfo(raw);
}

/** A directory as setup leaves it: the spec's mode, owned by the spec's owner (host ids through the maps). */
export function dirState(
  mode: number,
  uid: number,
  gid = uid,
  type: PathState['type'] = 'directory',
): PathState {
  const host = (id: number) => (id === 0 ? 1001 : 100000 + id - 1);
  return { type, mode, hostUid: host(uid), hostGid: host(gid), owner: { uid, gid } };
}

/** The healthy observation of the stack; `change` edits single volumes. */
export function observation(
  change: Partial<Record<string, Partial<VolumeObservation>>> = {},
  base: Partial<StackObservation> = {},
): StackObservation {
  const volumes = stack.volumes.map((spec): VolumeObservation => {
    const v: VolumeObservation = {
      spec,
      podmanVolumeName: `${PROJECT}_${spec.name}`,
      dir: dirState(spec.mode, spec.owner.uid, spec.owner.gid),
      namedVolume: {
        name: `${PROJECT}_${spec.name}`,
        driver: 'local',
        mountpoint: `${HOME}/.local/share/containers/storage/volumes/${PROJECT}_${spec.name}/_data`,
        options: { type: 'none', o: 'bind', device: spec.hostPath },
        labels: {},
        device: spec.hostPath,
      },
      space: { sizeBytes: 270e9, availBytes: 80e9, filesFree: 16e6, files: 16.7e6 },
      ...(spec.name === 'nginx_config' ? { defaultConf: dirState(0o644, 101, 101, 'file') } : {}),
    };
    return { ...v, ...change[spec.name] };
  });
  return { stack, namespace, baseDir: dirState(0o755, 0), volumes, ...base };
}

type Answer = ProcessResult | ((argv: readonly string[]) => ProcessResult);
const ok = (stdout: string): ProcessResult => ({ exitCode: 0, stdout, stderr: '' });

/** Builds a context from recorded answers; commands nobody recorded fail the test loudly. */
export function fakeContext(
  parts: {
    info?: () => Promise<PodmanInfo>;
    remote?: DoctorContext['remote'];
    observation?: StackObservation;
    containers?: ContainerInfo[];
    volumeUsers?: VolumeUser[];
    /** Answers to `podman unshare ARGV`, by the command name (argv[0]). */
    unshare?: Record<string, Answer>;
    /** Answers to throwaway containers, by entrypoint. */
    run?: Record<string, Answer>;
    exec?: Answer;
    images?: string[];
    settings?: DoctorOptions;
    /** What each container (by name) wrote last, for `logs`. */
    logs?: Record<string, string[]>;
  } = {},
): DoctorContext & { calls: string[][] } {
  const calls: string[][] = [];
  const answer = (table: Record<string, Answer> | undefined, key: string, argv: readonly string[]) => {
    calls.push([key, ...argv]);
    const a = table?.[key];
    if (a === undefined) throw new Error(`no recorded answer for ${key} ${argv.join(' ')}`);
    return typeof a === 'function' ? a(argv) : a;
  };
  const obs = parts.observation ?? observation();
  return {
    calls,
    stack: obs.stack,
    settings: resolveSettings({
      env: { HOME },
      user: { name: 'phoenix-e2e', uid: 1001, gid: 1001 },
      root: false,
      ...parts.settings,
    }),
    podman: {} as DoctorContext['podman'],
    info: parts.info ?? (async () => recordedInfo()),
    remote: parts.remote ?? (async () => ({ remote: false })),
    namespace: async () => obs.namespace,
    observation: async () => obs,
    containers: async () => parts.containers ?? [],
    services: async () =>
      obs.stack.services.flatMap((service): ServiceContainer[] => {
        const mine = (parts.containers ?? []).filter((c) => c.labels[COMPOSE_SERVICE_LABEL] === service.name);
        return mine.length === 0
          ? [{ service, container: null }]
          : mine.map((container) => ({ service, container }));
      }),
    logs: async (container) => {
      const lines = parts.logs?.[container];
      if (lines === undefined) throw new Error(`no recorded log for ${container}`);
      return lines;
    },
    volumeUsers: async () => parts.volumeUsers ?? [],
    imageExists: async (image) => (parts.images ?? ['postgres:15', 'nginx:stable']).includes(image),
    unshare: async (argv) => answer(parts.unshare, argv[0] ?? '', argv.slice(1)),
    run: async (image, argv, options) => answer(parts.run, options.entrypoint ?? image, argv),
    exec: async (container, argv) => answer({ exec: parts.exec ?? ok('') }, 'exec', [container, ...argv]),
  };
}

export { ok };
