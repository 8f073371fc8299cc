import { setTimeout as sleep } from 'node:timers/promises';
import { podmanVolumeName, type Stack } from '@phoenix-hydra/core';
import {
  COMPOSE_PROJECT_LABEL,
  COMPOSE_SERVICE_LABEL,
  type Podman,
  type PodmanEvent,
} from '@phoenix-hydra/podman-adapter';
import type { EventBus } from '../events/event-bus.ts';
import type { Logger } from '../logger.ts';

/** The stack volumes a container mounts: by named volume (`<project>_<volume>`) or by host path. */
export function stackVolumesOf(
  stack: Stack,
  mounts: readonly { name: string | null; source: string }[],
): string[] {
  return stack.volumes
    .filter((v) => mounts.some((m) => m.name === podmanVolumeName(stack, v) || m.source === v.hostPath))
    .map((v) => v.name);
}

/**
 * Turns container events of the stack into `volume.mounted` (on start) and `volume.unmounted` (on
 * died: a stop, a crash or a kill alike), once per volume the container mounts. Decides from the event
 * alone where it can; asks podman which volumes a container mounts at most once per container. A container
 * that dies without a `stop` before it (a crash, an OOM kill) also raises `service.down`.
 */
export class ContainerVolumeEvents {
  readonly #mounts = new Map<string, string[]>();
  readonly #up = new Set<string>();
  /** Containers someone asked podman to stop: their `died` is not a failure. */
  readonly #stopping = new Set<string>();
  readonly #deps: { stack: Stack; podman: Pick<Podman, 'inspectContainer'>; bus: EventBus };

  constructor(deps: { stack: Stack; podman: Pick<Podman, 'inspectContainer'>; bus: EventBus }) {
    this.#deps = deps;
  }

  async handle(event: PodmanEvent): Promise<void> {
    const { stack, bus } = this.#deps;
    if (event.type !== 'container' || event.attributes[COMPOSE_PROJECT_LABEL] !== stack.project) return;
    const container = event.name ?? event.id ?? '';
    if (event.action === 'stop') this.#stopping.add(container);
    const type =
      event.action === 'start' ? 'volume.mounted' : event.action === 'died' ? 'volume.unmounted' : null;
    if (type === null) {
      if (event.action === 'remove') this.#mounts.delete(container);
      return;
    }
    const up = type === 'volume.mounted';
    if (this.#up.has(container) === up) return; // the same transition reported twice
    if (up) this.#up.add(container);
    else this.#up.delete(container);
    if (!up && !this.#stopping.has(container)) {
      const service = event.attributes[COMPOSE_SERVICE_LABEL] ?? null;
      bus.emit({
        type: 'service.down',
        project: stack.project,
        service,
        container,
        exitCode: event.exitCode,
      });
    }
    this.#stopping.delete(container);
    for (const volume of await this.#volumes(container, event.id)) {
      const fields = { project: stack.project, volume, container };
      bus.emit(up ? { type: 'volume.mounted', ...fields } : { type: 'volume.unmounted', ...fields });
    }
  }

  async #volumes(container: string, id: string | null): Promise<string[]> {
    const known = this.#mounts.get(container);
    if (known) return known;
    const info = await this.#deps.podman.inspectContainer(id ?? container).catch(() => null);
    const volumes = info ? stackVolumesOf(this.#deps.stack, info.mounts) : [];
    this.#mounts.set(container, volumes);
    return volumes;
  }

  /** Containers already running when the agent starts: their next `died` is reported. */
  markRunning(container: string): void {
    this.#up.add(container);
  }
}

/** Follows `podman events` for the stack's containers, restarting the stream (with backoff) if podman stops. */
export class PodmanEventsMonitor {
  readonly #stop = new AbortController();
  readonly #deps: { stack: Stack; podman: Podman; bus: EventBus; log: Logger };
  readonly #handler: ContainerVolumeEvents;
  #loop: Promise<void> | null = null;

  constructor(deps: { stack: Stack; podman: Podman; bus: EventBus; log: Logger }) {
    this.#deps = deps;
    this.#handler = new ContainerVolumeEvents(deps);
  }

  async start(): Promise<void> {
    const running = await this.#deps.podman.ps({ project: this.#deps.stack.project }).catch(() => []);
    for (const c of running) this.#handler.markRunning(c.name);
    this.#loop = this.#follow();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #follow(): Promise<void> {
    const { podman, stack, log } = this.#deps;
    const signal = this.#stop.signal;
    let since: string | undefined;
    for (let failures = 0; !signal.aborted; ) {
      try {
        const stream = podman.events({
          filters: { type: 'container', label: `${COMPOSE_PROJECT_LABEL}=${stack.project}` },
          signal,
          ...(since ? { since } : {}),
        });
        for await (const event of stream) {
          failures = 0;
          since = event.time;
          await this.#handler.handle(event).catch((error: unknown) => {
            log.warn({ err: error, action: event.action, container: event.name }, 'podman event not handled');
          });
        }
      } catch (error) {
        if (signal.aborted) return;
        log.warn({ err: error }, 'podman events stopped; following it again');
      }
      failures += 1;
      await sleep(Math.min(60_000, 1000 * 2 ** Math.min(failures, 6)), undefined, { signal }).catch(
        () => undefined,
      );
    }
  }
}
