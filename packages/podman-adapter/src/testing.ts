// A fake podman for fast unit tests of code that orchestrates podman (backups, cleanup, restore, doctor).
// Volumes and containers live in memory; every other method throws unless the test provides it, so a
// test never passes by silently skipping a podman call it did not expect.
import { execFile } from 'node:child_process';
import { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL, type ContainerInfo } from './containers.ts';
import type { Podman, PodmanUnshare } from './podman.ts';
import { DEFAULT_STREAM_TIMEOUT_MS, DEFAULT_TIMEOUT_MS } from './podman.ts';
import type { RunOptions } from './run.ts';
import type { VolumeInfo } from './volumes.ts';

/** One call the fake received: the method (`unshare.chown` for unshare's) and its arguments. */
export interface FakeCall {
  method: string;
  args: unknown[];
}

/** What the fake starts with, and the methods a test supplies itself. */
export interface FakePodmanOptions {
  volumes?: readonly VolumeInfo[];
  containers?: readonly ContainerInfo[];
  /** Images `imageExists` knows (default: every image exists). */
  images?: readonly string[];
  overrides?: Partial<Omit<Podman, 'unshare'>>;
  unshare?: Partial<PodmanUnshare>;
}

/** A fake podman plus what happened to it. */
export interface FakePodman extends Podman {
  readonly calls: FakeCall[];
  readonly volumes: Map<string, VolumeInfo>;
  readonly containers: Map<string, ContainerInfo>;
}

/** A container as inspect would show it, labelled for a compose project and service. */
export function fakeContainer(
  name: string,
  options: { project?: string; service?: string; running?: boolean; user?: string; image?: string } = {},
): ContainerInfo {
  const running = options.running ?? true;
  return {
    id: `${name}-id`,
    name,
    state: running ? 'running' : 'exited',
    running,
    user: options.user ?? '',
    exitCode: 0,
    oomKilled: false,
    restarting: false,
    restartCount: 0,
    startedAt: running ? '2026-01-01T00:00:00Z' : null,
    finishedAt: null,
    health: null,
    error: '',
    mounts: [],
    labels: {
      ...(options.project ? { [COMPOSE_PROJECT_LABEL]: options.project } : {}),
      ...(options.service ? { [COMPOSE_SERVICE_LABEL]: options.service } : {}),
    },
    image: options.image ?? 'localhost/fake:latest',
    imageId: 'fake-image-id',
  };
}

/** A local volume; with `device` it is bind-backed, as setup creates them. */
export function fakeVolume(name: string, device: string | null = null): VolumeInfo {
  return {
    name,
    driver: 'local',
    mountpoint: `/fake/storage/volumes/${name}/_data`,
    options: device ? { type: 'none', o: 'bind', device } : {},
    labels: {},
    device,
  };
}

function notFaked(method: string): never {
  throw new Error(`fake podman: ${method} was called but this test did not provide it`);
}

/** The fake: in-memory volumes and containers, recorded calls, and an error for anything not provided. */
export function createFakePodman(options: FakePodmanOptions = {}): FakePodman {
  const calls: FakeCall[] = [];
  const volumes = new Map((options.volumes ?? []).map((v) => [v.name, v]));
  const containers = new Map((options.containers ?? []).map((c) => [c.name, c]));
  const find = (ref: string) => containers.get(ref) ?? [...containers.values()].find((c) => c.id === ref);
  const setRunning = (ref: string, running: boolean) => {
    const c = find(ref);
    if (!c) throw new Error(`fake podman: no such container ${ref}`);
    containers.set(c.name, { ...c, running, state: running ? 'running' : 'exited' });
  };
  const base: Omit<Podman, 'unshare'> = {
    config: {
      bin: 'podman',
      timeoutMs: DEFAULT_TIMEOUT_MS,
      streamTimeoutMs: DEFAULT_STREAM_TIMEOUT_MS,
      env: {},
    },
    info: () => notFaked('info'),
    remote: async () => ({ remote: false }),
    volumeLs: async () => [...volumes.values()],
    volumeInspect: async (name) => volumes.get(name) ?? null,
    volumesInspect: async (names) => names.map((name) => volumes.get(name) ?? null),
    volumeCreate: async (name, o) => {
      const v = { ...fakeVolume(name, o.device), labels: { ...o.labels } };
      volumes.set(name, v);
      return v;
    },
    volumeRm: async (name) => {
      if (!volumes.delete(name)) throw new Error(`fake podman: no such volume ${name}`);
    },
    volumeExport: () => notFaked('volumeExport'),
    volumeImport: () => notFaked('volumeImport'),
    ps: async (o = {}) =>
      [...containers.values()]
        .filter((c) => o.all || c.running)
        .filter((c) => o.project === undefined || c.labels[COMPOSE_PROJECT_LABEL] === o.project)
        .filter((c) => o.service === undefined || c.labels[COMPOSE_SERVICE_LABEL] === o.service)
        .map((c) => ({
          id: c.id,
          name: c.name,
          image: c.image,
          state: c.state,
          labels: c.labels,
          project: c.labels[COMPOSE_PROJECT_LABEL] ?? null,
          service: c.labels[COMPOSE_SERVICE_LABEL] ?? null,
        })),
    inspectContainer: async (ref) => find(ref) ?? null,
    logs: () => notFaked('logs'),
    inspectAllContainers: async () => [...containers.values()].map((c) => ({ ...c, modes: {} })),
    start: async (ref) => setRunning(ref, true),
    stop: async (ref) => setRunning(ref, false),
    removeContainer: async (ref, _options) => {
      const c = find(ref);
      if (!c) throw new Error(`fake podman: no such container ${ref}`);
      containers.delete(c.name);
    },
    processes: () => notFaked('processes'),
    publishedPort: () => notFaked('publishedPort'),
    blockIo: () => notFaked('blockIo'),
    imageExists: async (image) => options.images === undefined || options.images.includes(image),
    exec: () => notFaked('exec'),
    execText: () => notFaked('execText'),
    run: () => notFaked('run'),
    events: () => notFaked('events'),
    composeDetect: () => notFaked('composeDetect'),
    ...options.overrides,
  };
  const unshareBase: PodmanUnshare = {
    chown: () => notFaked('unshare.chown'),
    chmod: () => notFaked('unshare.chmod'),
    rmrf: () => notFaked('unshare.rmrf'),
    stat: () => notFaked('unshare.stat'),
    du: () => notFaked('unshare.du'),
    mkdir: () => notFaked('unshare.mkdir'),
    cp: () => notFaked('unshare.cp'),
    chcon: () => notFaked('unshare.chcon'),
    selinuxLabel: () => notFaked('unshare.selinuxLabel'),
    run: () => notFaked('unshare.run'),
    ...options.unshare,
  };
  const record = <T extends object>(target: T, prefix: string): T =>
    Object.fromEntries(
      Object.entries(target).map(([key, value]) => [
        key,
        typeof value === 'function'
          ? (...args: unknown[]) => {
              calls.push({ method: `${prefix}${key}`, args });
              return (value as (...a: unknown[]) => unknown)(...args);
            }
          : value,
      ]),
    ) as T;
  return { ...record(base, ''), unshare: record(unshareBase, 'unshare.'), calls, volumes, containers };
}

/**
 * A fake podman whose `run` executes a helper container's fixed `sh` script with the real sh on a local
 * directory standing for the volume (its mount point `/v` replaced by `root()`), recording each run's
 * options: tests of helper scripts check the script itself, not a recording of it.
 */
export function localScriptPodman(root: () => string, runs: RunOptions[] = []): FakePodman {
  return createFakePodman({
    overrides: {
      run: (_image, argv, options = {}) => {
        runs.push(options);
        const args = argv.map((a) => (a === '/v' ? root() : a));
        return new Promise((resolve) => {
          execFile('sh', args, { cwd: root(), maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
            resolve({ exitCode: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
          );
        });
      },
    },
  });
}
