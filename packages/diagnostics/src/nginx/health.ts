import type { Podman, PortBinding } from '@phoenix-hydra/podman-adapter';

/** The pids of nginx's worker processes in a container; null when `podman top` cannot tell. */
export async function nginxWorkers(podman: Podman, container: string): Promise<number[] | null> {
  const processes = await podman.processes(container);
  return processes?.filter((p) => p.args.startsWith('nginx: worker process')).map((p) => p.pid) ?? null;
}

/**
 * Waits until nginx runs workers that were not there before the reload: the master started them only if it
 * accepted the new configuration (on a bad one it logs the error and keeps the old workers).
 */
export async function waitForNewWorkers(
  podman: Podman,
  container: string,
  before: readonly number[],
  timeoutMs = 10_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await nginxWorkers(podman, container);
    if (now?.some((pid) => !before.includes(pid))) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The host address a container port is published on (`podman port`), as an http URL; null when not published. */
export async function publishedUrl(podman: Podman, container: string, port = 80): Promise<string | null> {
  const binding = await podman.publishedPort(container, port);
  return binding ? urlOf(binding) : null;
}

/** A wildcard address is reached on 127.0.0.1; an IPv6 address gets its brackets. */
export function urlOf(binding: PortBinding): string {
  const { hostIp, hostPort } = binding;
  const wildcard = hostIp === '' || hostIp === '0.0.0.0' || hostIp === '::';
  const host = wildcard ? '127.0.0.1' : hostIp.includes(':') ? `[${hostIp}]` : hostIp;
  return `http://${host}:${hostPort}`;
}

/** The outcome of one HTTP health request. */
export interface HttpCheck {
  url: string;
  ok: boolean;
  status: number | null;
  error: string | null;
}

/** GET url, retried until it answers below 500 or `timeoutMs` passes: nginx needs a moment after a reload. */
export async function checkHttp(url: string, timeoutMs = 10_000): Promise<HttpCheck> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: HttpCheck;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000), redirect: 'manual' });
      await response.arrayBuffer();
      last = { url, ok: response.status < 500, status: response.status, error: null };
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      last = { url, ok: false, status: null, error: cause?.message ?? (error as Error).message };
    }
    if (last.ok || Date.now() > deadline) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
}
