import { dirname } from 'node:path';
import type { ServiceSpec, Stack } from '@phoenix-hydra/core';
import {
  COMPOSE_PROJECT_LABEL,
  COMPOSE_SERVICE_LABEL,
  COMPOSE_WORKING_DIR_LABEL,
  type ContainerInfo,
  type Podman,
} from '@phoenix-hydra/podman-adapter';

/**
 * One word for how a service's container is: not-created, created (never started), running,
 * restarting (crash loop), exited (code ≠ 0), stopped (exit 0, e.g. `podman stop`), oom-killed,
 * unhealthy, paused.
 */
type ServiceStateName =
  | 'not-created'
  | 'created'
  | 'running'
  | 'restarting'
  | 'exited'
  | 'stopped'
  | 'oom-killed'
  | 'unhealthy'
  | 'paused';

/** A service of the stack and the container podman runs for it (null when there is none). */
export interface ServiceContainer {
  service: ServiceSpec;
  container: ContainerInfo | null;
}

/** What `status --json`, the agent and doctor report per service. */
export interface ServiceState {
  service: string;
  container: string | null;
  state: ServiceStateName;
  /** True only for running (healthy or without a healthcheck). */
  up: boolean;
  exitCode: number | null;
  restartCount: number;
  health: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * Whether a container belongs to this stack: its compose working-dir label is the compose file's
 * directory, or (no such label, or the embedded stack) its project label is the stack's project. A
 * same-named project started from another directory is not ours.
 */
export function belongsToStack(
  stack: Pick<Stack, 'project' | 'composeFile'>,
  labels: Record<string, string>,
): boolean {
  const workingDir = labels[COMPOSE_WORKING_DIR_LABEL];
  if (workingDir !== undefined && stack.composeFile !== null)
    return workingDir === dirname(stack.composeFile);
  return labels[COMPOSE_PROJECT_LABEL] === stack.project;
}

/**
 * Every service of the stack with its container, found by compose labels (service + working dir). `all`:
 * every container already inspected (`podman.inspectAllContainers()`, as status starts it for the volumes'
 * users), so no podman call is made here; without it, `podman ps` then an inspect per container found.
 */
export async function findServiceContainers(
  stack: Stack,
  podman: Podman,
  all?: Promise<readonly ContainerInfo[]>,
): Promise<ServiceContainer[]> {
  const names = new Set(stack.services.map((s) => s.name));
  const ours = (service: string | null | undefined, labels: Record<string, string>) =>
    service != null && names.has(service) && belongsToStack(stack, labels);
  const inspected =
    all === undefined
      ? (
          await Promise.all(
            (
              await podman.ps({ all: true })
            )
              .filter((c) => ours(c.service, c.labels))
              .map((c) => podman.inspectContainer(c.id)),
          )
        ).filter((c): c is ContainerInfo => c !== null)
      : (await all).filter((c) => ours(c.labels[COMPOSE_SERVICE_LABEL], c.labels));
  return stack.services.flatMap((service): ServiceContainer[] => {
    const mine = inspected.filter((c) => c.labels[COMPOSE_SERVICE_LABEL] === service.name);
    return mine.length === 0
      ? [{ service, container: null }]
      : mine.map((container) => ({ service, container }));
  });
}

/** A container its restart policy brought back this recently is still looping, not up. */
export const RESTART_SETTLE_MS = 15_000;

/** The state word for a container (null: the service has none). */
export function stateOf(c: ContainerInfo | null, now: number = Date.now()): ServiceStateName {
  if (c === null) return 'not-created';
  if (c.oomKilled && !c.running) return 'oom-killed';
  if (c.restarting || c.state === 'restarting') return 'restarting';
  // Between two attempts of a restart policy podman shows it exited, with the count rising.
  if (!c.running && c.restartCount > 0 && c.exitCode !== 0) return 'restarting';
  if (c.state === 'paused') return 'paused';
  // In a crash loop podman shows it running for the second between two failures.
  const since = c.startedAt === null ? Number.NaN : now - Date.parse(c.startedAt);
  if (c.running && c.restartCount > 0 && since < RESTART_SETTLE_MS) return 'restarting';
  if (c.running) return c.health === 'unhealthy' ? 'unhealthy' : 'running';
  if (c.startedAt === null) return 'created';
  return c.exitCode === 0 ? 'stopped' : 'exited';
}

/** The state of one service's container, as status and the agent print it. */
export function serviceState({ service, container: c }: ServiceContainer, now = Date.now()): ServiceState {
  const state = stateOf(c, now);
  return {
    service: service.name,
    container: c?.name ?? null,
    state,
    up: state === 'running',
    exitCode: c && c.startedAt !== null && state !== 'running' && state !== 'unhealthy' ? c.exitCode : null,
    restartCount: c?.restartCount ?? 0,
    health: c?.health ?? null,
    startedAt: c?.startedAt ?? null,
    finishedAt: c?.finishedAt ?? null,
  };
}
