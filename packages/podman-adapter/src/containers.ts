import { z } from 'zod';
import { filterArgs } from './filters.ts';
import { stringMapSchema } from './podman-json.ts';
import { assertSuccess, call, callAllowFail, callJson, parseOutput, type RunnerConfig } from './runner.ts';

/** The project label podman-compose puts on every container; other front ends name containers differently. */
export const COMPOSE_PROJECT_LABEL = 'io.podman.compose.project';
/** The label on every helper and probe container this tool runs (never a container of the stack). */
export const HELPER_LABEL = 'io.phoenix-hydra.helper';
/** The pid of the process that started a helper or probe (on the client): whose it is, when one is left. */
export const CLIENT_PID_LABEL = 'io.phoenix-hydra.client-pid';

/** Whether a container is one of our helpers or probes, e.g. one a command killed with SIGKILL left. */
export function isHelperContainer(container: { labels: Record<string, string> }): boolean {
  return container.labels[HELPER_LABEL] === '1';
}

/** The service label, shared by podman-compose and docker compose. */
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
/** The compose file's directory, shared by podman-compose and docker compose: tells two same-named projects apart. */
export const COMPOSE_WORKING_DIR_LABEL = 'com.docker.compose.project.working_dir';

/** One row of `podman ps --format json` (4.3). */
export const psEntrySchema = z.object({
  Id: z.string(),
  Names: z.array(z.string()),
  Image: z.string(),
  State: z.string(),
  Labels: stringMapSchema,
});

/** A container found by `ps`, with its compose project and service when labelled. */
export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  /** podman's state word: running, exited, created, paused... */
  state: string;
  labels: Record<string, string>;
  project: string | null;
  service: string | null;
}

/** Maps a validated ps row to ContainerSummary. */
export function toContainerSummary(raw: z.output<typeof psEntrySchema>): ContainerSummary {
  return {
    id: raw.Id,
    name: raw.Names[0] ?? raw.Id,
    image: raw.Image,
    state: raw.State,
    labels: raw.Labels,
    project: raw.Labels[COMPOSE_PROJECT_LABEL] ?? null,
    service: raw.Labels[COMPOSE_SERVICE_LABEL] ?? null,
  };
}

const mountSchema = z.object({
  Type: z.string(),
  Name: z.string().optional(),
  Source: z.string(),
  Destination: z.string(),
  RW: z.boolean(),
  Options: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
  Propagation: z.string().optional(),
});

/** The part of `podman container inspect --format json` (4.3) the tool relies on. */
export const containerInspectSchema = z.object({
  Id: z.string(),
  Name: z.string(),
  Image: z.string(),
  ImageName: z.string().optional(),
  State: z.object({
    Status: z.string(),
    Running: z.boolean(),
    Restarting: z.boolean().optional(),
    OOMKilled: z.boolean().optional(),
    ExitCode: z.number().int().optional(),
    Error: z.string().optional(),
    StartedAt: z.string().optional(),
    FinishedAt: z.string().optional(),
    Health: z
      .object({ Status: z.string(), FailingStreak: z.number().int().optional() })
      .nullish()
      .transform((v) => v ?? null),
  }),
  RestartCount: z.number().int().optional(),
  Config: z.object({ User: z.string().optional(), Labels: stringMapSchema }),
  Mounts: z
    .array(mountSchema)
    .nullish()
    .transform((v) => v ?? []),
});

/** One mount of a container; for a named volume `source` is podman's `_data` path even when bind-backed. */
export interface ContainerMount {
  type: string;
  name: string | null;
  source: string;
  destination: string;
  rw: boolean;
  options: string[];
  propagation: string | null;
}

/** How a container last ran: what `doctor` and `status` report per service. */
export interface ContainerRunState {
  /** Exit code of the last run (0 for a container never started). */
  exitCode: number;
  oomKilled: boolean;
  /** True while podman's restart policy is bringing it back. */
  restarting: boolean;
  /** How often the restart policy restarted it; a rising count is a crash loop. */
  restartCount: number;
  /** null when it never started (podman prints year 1). */
  startedAt: string | null;
  finishedAt: string | null;
  /** Healthcheck status (healthy, unhealthy, starting); null without a healthcheck. */
  health: string | null;
  /** podman's own error for the last start, when it kept one ('' otherwise). */
  error: string;
}

/** A container as inspect shows it; `user` is Config.User ('' when the image decides). */
export interface ContainerInfo extends ContainerRunState {
  id: string;
  name: string;
  state: string;
  running: boolean;
  user: string;
  mounts: ContainerMount[];
  labels: Record<string, string>;
  /** Image name as given at creation (falls back to the image id). */
  image: string;
  imageId: string;
}

// podman 4.3 writes the zero time for "never": 0001-01-01T00:00:00Z.
const time = (value: string | undefined): string | null =>
  value === undefined || value.startsWith('0001-01-01') ? null : value;

/** Maps validated inspect JSON to ContainerInfo. */
export function toContainerInfo(raw: z.output<typeof containerInspectSchema>): ContainerInfo {
  return {
    id: raw.Id,
    name: raw.Name,
    state: raw.State.Status,
    running: raw.State.Running,
    exitCode: raw.State.ExitCode ?? 0,
    oomKilled: raw.State.OOMKilled ?? false,
    restarting: raw.State.Restarting ?? false,
    restartCount: raw.RestartCount ?? 0,
    startedAt: time(raw.State.StartedAt),
    finishedAt: time(raw.State.FinishedAt),
    health: raw.State.Health?.Status || null,
    error: raw.State.Error ?? '',
    user: raw.Config.User ?? '',
    mounts: raw.Mounts.map((m) => ({
      type: m.Type,
      name: m.Name ?? null,
      source: m.Source,
      destination: m.Destination,
      rw: m.RW,
      options: m.Options,
      propagation: m.Propagation || null,
    })),
    labels: raw.Config.Labels,
    image: raw.ImageName || raw.Image,
    imageId: raw.Image,
  };
}

/** How many log lines `logs` reads by default: enough for a crash's context, small for a crash loop. */
const DEFAULT_LOG_TAIL = 50;

const STAMP = /^(\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)) /;

/**
 * `podman logs --timestamps` prints the container's stdout and stderr on its own stdout and stderr;
 * this puts them back in the order they were written and drops the stamps.
 */
export function mergeLogLines(stdout: string, stderr: string): string[] {
  const stamped = (text: string) => {
    let at = '';
    return text
      .split('\n')
      .map((line) => {
        at = STAMP.exec(line)?.[1] ?? at;
        return { at, line: line.replace(STAMP, '') };
      })
      .filter(({ line }) => line.trim() !== '');
  };
  // Both streams carry the same fixed-width UTC stamps, so text order is time order; sort is stable.
  return [...stamped(stdout), ...stamped(stderr)]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .map(({ line }) => line);
}

/** Container queries and lifecycle bound to one podman configuration. */
export function createContainers(config: RunnerConfig) {
  return {
    /** Containers of a compose project (and service), found by label, not by name; running only unless `all`. */
    async ps(
      options: { project?: string; service?: string; all?: boolean } = {},
    ): Promise<ContainerSummary[]> {
      const labels: string[] = [];
      if (options.project !== undefined) labels.push(`${COMPOSE_PROJECT_LABEL}=${options.project}`);
      if (options.service !== undefined) labels.push(`${COMPOSE_SERVICE_LABEL}=${options.service}`);
      const args = [
        'ps',
        '--format',
        'json',
        ...(options.all ? ['--all'] : []),
        ...filterArgs({ label: labels }),
      ];
      return ((await callJson(config, args, z.array(psEntrySchema).nullable())) ?? []).map(
        toContainerSummary,
      );
    },
    /** The container, or null when podman knows no container of that name or id. */
    async inspectContainer(nameOrId: string): Promise<ContainerInfo | null> {
      const result = await callAllowFail(config, [
        'container',
        'inspect',
        '--format',
        'json',
        '--',
        nameOrId,
      ]);
      if (result.exitCode !== 0 && /no such container/i.test(result.stderr)) return null;
      assertSuccess(config, result);
      const [raw] = parseOutput(result.argv, result.stdout, z.array(containerInspectSchema).length(1));
      return raw ? toContainerInfo(raw) : null;
    },
    /**
     * The last `tail` lines a container wrote (stdout and stderr merged in time order), bounded so a
     * looping container's huge log is never read whole; empty when podman knows no such container.
     */
    async logs(container: string, options: { tail?: number } = {}): Promise<string[]> {
      const tail = String(options.tail ?? DEFAULT_LOG_TAIL);
      const result = await callAllowFail(config, ['logs', '--timestamps', '--tail', tail, '--', container]);
      if (result.exitCode !== 0 && /no such container/i.test(result.stderr)) return [];
      assertSuccess(config, result);
      return mergeLogLines(result.stdout, result.stderr);
    },
    /** Starts a stopped container (no-op when it runs). */
    async start(container: string, options: { timeoutMs?: number } = {}): Promise<void> {
      await call(config, ['start', '--', container], options);
    },
    /** Stops a container, waiting `timeoutSeconds` (podman's default 10) before SIGKILL. */
    async stop(container: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
      const seconds = options.timeoutSeconds ?? 10;
      const timeoutMs = Math.max(config.timeoutMs, (seconds + 30) * 1000);
      await call(config, ['stop', '--time', String(seconds), '--', container], { timeoutMs });
    },
  };
}

/** The container helpers bound to one podman configuration. */
export type Containers = ReturnType<typeof createContainers>;
