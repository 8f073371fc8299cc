import type { Stack, VolumeSpec } from '@phoenix-hydra/core';
import { type NginxTestResult, nginxRunAs, testNginxConfig } from '@phoenix-hydra/diagnostics';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import type { EventBus } from '../events/event-bus.ts';
import type { Logger } from '../logger.ts';

/** The image `nginx -t` runs in: the one of the service mounting the volume, else the stock nginx. */
export function nginxImage(stack: Stack, volume: VolumeSpec): string {
  const service = stack.services.find((s) => s.mounts.some((m) => m.volume === volume.name) && s.image);
  return service?.image ?? 'docker.io/library/nginx:stable';
}

/** What the event says about the new configuration. */
function summary(result: NginxTestResult): string {
  const problem =
    result.messages.find((m) => m.level === 'emerg' || m.level === 'error') ?? result.messages[0];
  if (!problem) return result.output.split('\n').at(-1) ?? '';
  return `[${problem.level}] ${problem.message}${problem.file ? ` in ${problem.file}:${problem.line}` : ''}`;
}

/** What the monitor needs: the volume, podman for the throwaway container, where events go. */
export interface NginxConfigMonitorDeps {
  stack: Stack;
  volume: VolumeSpec;
  podman: Podman;
  bus: EventBus;
  log: Logger;
  debounceMs: number;
  validate: boolean;
  selinux: boolean;
}

/**
 * Collects changes in the nginx configuration volume until `debounceMs` pass without another, then
 * validates the whole directory with `nginx -t` in a throwaway container and raises `config.changed`
 * (files, valid, nginx's message). An editor's save (temp file, rename, chmod) is one event.
 */
export class NginxConfigMonitor {
  readonly #files = new Set<string>();
  readonly #deps: NginxConfigMonitorDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(deps: NginxConfigMonitorDeps) {
    this.#deps = deps;
  }

  /** A path in the volume changed (relative to it). */
  changed(path: string): void {
    if (this.#stopped) return;
    this.#files.add(path);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#flush(), this.#deps.debounceMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #flush(): void {
    if (this.#running) {
      // A validation is running: try again once it is done, with everything collected meanwhile.
      this.#timer = setTimeout(() => this.#flush(), this.#deps.debounceMs);
      return;
    }
    const files = [...this.#files].sort();
    this.#files.clear();
    this.#running = this.#validate(files).finally(() => {
      this.#running = null;
    });
  }

  async #validate(files: string[]): Promise<void> {
    const { stack, volume, podman, bus, log } = this.#deps;
    const base = { type: 'config.changed' as const, project: stack.project, volume: volume.name, files };
    if (!this.#deps.validate) {
      bus.emit(base);
      return;
    }
    try {
      // As the service runs it (its user, its writable mounts), as `nginx test` and deploy do: a config
      // that only root could load is not valid for nginx running as 101:101.
      const selinux = this.#deps.selinux;
      const runAs = await nginxRunAs(stack, volume, { selinux });
      const result = await testNginxConfig(podman, nginxImage(stack, volume), volume.hostPath, {
        selinux,
        runAs,
      });
      bus.emit({ ...base, valid: result.ok, message: summary(result) });
    } catch (error) {
      log.warn({ err: error, volume: volume.name }, 'nginx -t could not run');
      bus.emit({ ...base, message: `nginx -t could not run: ${(error as Error).message}` });
    }
  }
}
