import { type ComposeFrontEnd, composeDetect } from './compose-detect.ts';
import { createContainers } from './containers.ts';
import { type EventsOptions, events, type PodmanEvent } from './events.ts';
import { type ExecOptions, type ExecTextResult, exec, execText } from './exec.ts';
import { info, type PodmanInfo } from './info.ts';
import { type RunOptions, type RunResult, run } from './run.ts';
import type { RunnerConfig } from './runner.ts';
import type { StreamedCall } from './stream.ts';
import { createUnshare } from './unshare.ts';
import { createVolumes } from './volumes.ts';

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

/** A podman client: every method runs podman with an argument array, a time limit and validated output. */
export function createPodman(options: PodmanOptions = {}) {
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
    ...createVolumes(config),
    ...createContainers(config),
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

/** The client createPodman returns. */
export type Podman = ReturnType<typeof createPodman>;
