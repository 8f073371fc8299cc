import type { Readable } from 'node:stream';
import type { Owner } from '@phoenix-hydra/core';
import { type ComposeFrontEnd, composeDetect } from './compose-detect.ts';
import {
  type BlockIoStats,
  type ContainerProcess,
  createContainerRuntime,
  type InspectedContainer,
  type PortBinding,
} from './container-runtime.ts';
import { type ContainerInfo, type ContainerSummary, createContainers } from './containers.ts';
import { type EventsOptions, events, type PodmanEvent } from './events.ts';
import { type ExecOptions, type ExecTextResult, exec, execText } from './exec.ts';
import type { Filters } from './filters.ts';
import { createImages } from './images.ts';
import { info, type PodmanInfo } from './info.ts';
import { detectRemotePodman, type PodmanLocation } from './remote-podman.ts';
import { type RunOptions, type RunResult, run } from './run.ts';
import type { CallResult, RunnerConfig } from './runner.ts';
import type { StreamedCall } from './stream.ts';
import {
  createUnshare,
  type DiskUsage,
  type TimeLimit,
  type TreeOptions,
  type UnshareStat,
} from './unshare.ts';
import { createVolumes, type VolumeInfo } from './volumes.ts';

/** Which podman to talk to and how long to wait for it. */
export interface PodmanOptions {
  /** Path or name of the podman binary; default `podman` from PATH. */
  bin?: string | undefined;
  /** Limit for ordinary calls; default 60 s. */
  timeoutMs?: number | undefined;
  /** Limit for streamed calls (exec, volume export/import); default 6 h, for multi-GB dumps. */
  streamTimeoutMs?: number | undefined;
  /** Added to the inherited environment of every podman call (e.g. XDG_RUNTIME_DIR). */
  env?: Readonly<Record<string, string>> | undefined;
  /** Path or name of podman-compose for composeDetect; default `podman-compose`. */
  composeBin?: string | undefined;
}

/** Default limit of ordinary podman calls. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Default limit of streamed calls: long enough for a multi-GB pg_dump, finite so nothing hangs forever. */
export const DEFAULT_STREAM_TIMEOUT_MS = 6 * 60 * 60 * 1000;

/** Named volumes: list, inspect, create bound to a host directory, remove, export and import as tar. */
export interface PodmanVolumes {
  volumeLs(options?: { filters?: Filters }): Promise<VolumeInfo[]>;
  /** The volume, or null when podman has no volume of that name. */
  volumeInspect(name: string): Promise<VolumeInfo | null>;
  /** Each named volume in order, null where podman has none; one `podman volume inspect` for all. */
  volumesInspect(names: readonly string[]): Promise<(VolumeInfo | null)[]>;
  volumeCreate(
    name: string,
    options: { device: string; labels?: Readonly<Record<string, string>> },
  ): Promise<VolumeInfo>;
  volumeRm(name: string, options?: { force?: boolean }): Promise<void>;
  volumeExport(name: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Readable;
  volumeImport(
    name: string,
    tar: Readable,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<void>;
}

/** Containers: found by compose labels, inspected, started and stopped, looked into while running. */
export interface PodmanContainers {
  ps(options?: { project?: string; service?: string; all?: boolean }): Promise<ContainerSummary[]>;
  /** The container, or null when podman knows no container of that name or id. */
  inspectContainer(nameOrId: string): Promise<ContainerInfo | null>;
  /** The last `tail` lines (default 50) it wrote, stdout and stderr merged in time order. */
  logs(container: string, options?: { tail?: number }): Promise<string[]>;
  start(container: string, options?: { timeoutMs?: number }): Promise<void>;
  stop(container: string, options?: { timeoutSeconds?: number }): Promise<void>;
  /** Every container, running or not, with mount modes, in one podman call. */
  inspectAllContainers(): Promise<InspectedContainer[]>;
  /** The processes of a running container; null when podman cannot tell. */
  processes(container: string): Promise<ContainerProcess[] | null>;
  /** Where a container port is published on the host; null when it is not. */
  publishedPort(container: string, port: number): Promise<PortBinding | null>;
  blockIo(containers: readonly string[]): Promise<BlockIoStats>;
  /**
   * Removes a stopped container; named volumes stay. `anonymousVolumes` also removes the volumes podman made
   * for it alone (an image's VOLUME): for our helpers, never for a user's container (adopt recreates those).
   */
  removeContainer(container: string, options?: { anonymousVolumes?: boolean }): Promise<void>;
  /** True when the image is in local storage; never pulls. */
  imageExists(image: string): Promise<boolean>;
}

/** File operations inside the rootless user namespace, where the user acts as root over its subordinate ids. */
export interface PodmanUnshare {
  chown(paths: readonly string[], owner: Owner, options?: TreeOptions): Promise<void>;
  chmod(paths: readonly string[], mode: number, options?: TreeOptions): Promise<void>;
  rmrf(path: string, options?: TimeLimit): Promise<void>;
  stat(paths: readonly string[], options?: TimeLimit): Promise<UnshareStat[]>;
  du(path: string, options?: TimeLimit): Promise<DiskUsage>;
  mkdir(path: string, mode: number, options?: TimeLimit): Promise<void>;
  cp(source: string, dest: string, options?: TimeLimit & { noClobber?: boolean }): Promise<void>;
  chcon(path: string, type: string, options?: TreeOptions): Promise<void>;
  selinuxLabel(path: string): Promise<{ label: string; type: string } | { label: null; reason: string }>;
  run(argv: readonly string[], options?: TimeLimit & { stdin?: Readable | undefined }): Promise<CallResult>;
}

/**
 * The only door to podman: every method runs podman with an argument array, a time limit and validated
 * output. `createPodman` is the real one; `@phoenix-hydra/podman-adapter/testing` has a fake for unit tests.
 */
export interface Podman extends PodmanVolumes, PodmanContainers {
  /** Which podman binary, time limits and environment the calls use. */
  readonly config: RunnerConfig;
  info(): Promise<PodmanInfo>;
  /** Whether podman is a remote client (podman machine), where `podman unshare` cannot run; asked once per process. */
  remote(): Promise<PodmanLocation>;
  unshare: PodmanUnshare;
  /** Runs argv in a running container with stdout streamed (flat memory for multi-GB dumps). */
  exec(container: string, argv: readonly string[], opts?: ExecOptions): StreamedCall;
  execText(
    container: string,
    argv: readonly string[],
    opts?: ExecOptions & { reject?: boolean },
  ): Promise<ExecTextResult>;
  /** A throwaway container (probes, nginx -t); the exit code is data. */
  run(image: string, argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  events(opts?: EventsOptions): AsyncGenerator<PodmanEvent>;
  composeDetect(): Promise<ComposeFrontEnd | null>;
}

/** The real podman client. */
export function createPodman(options: PodmanOptions = {}): Podman {
  const config: RunnerConfig = {
    bin: options.bin ?? 'podman',
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    streamTimeoutMs: options.streamTimeoutMs ?? DEFAULT_STREAM_TIMEOUT_MS,
    env: options.env ?? {},
  };
  const composeBin = options.composeBin ?? 'podman-compose';
  return {
    config,
    info: (): Promise<PodmanInfo> => info(config),
    remote: (): Promise<PodmanLocation> =>
      detectRemotePodman({ bin: config.bin, env: { ...process.env, ...config.env } }),
    ...createVolumes(config),
    ...createContainers(config),
    ...createContainerRuntime(config),
    ...createImages(config),
    unshare: createUnshare(config),
    exec: (container: string, argv: readonly string[], opts?: ExecOptions): StreamedCall =>
      exec(config, container, argv, opts),
    execText: (
      container: string,
      argv: readonly string[],
      opts?: ExecOptions & { reject?: boolean },
    ): Promise<ExecTextResult> => execText(config, container, argv, opts),
    run: (image: string, argv: readonly string[], opts?: RunOptions): Promise<RunResult> =>
      run(config, image, argv, opts),
    events: (opts?: EventsOptions): AsyncGenerator<PodmanEvent> => events(config, opts),
    composeDetect: (): Promise<ComposeFrontEnd | null> => composeDetect(config, composeBin),
  };
}
