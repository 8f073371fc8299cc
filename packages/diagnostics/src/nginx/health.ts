import { callAllowFail, type Podman } from '@phoenix-hydra/podman-adapter';

/** The pids of nginx's worker processes in a container; null when `podman top` cannot tell. */
export async function nginxWorkers(podman: Podman, container: string): Promise<number[] | null> {
  const result = await callAllowFail(podman.config, ['top', '--', container, 'pid', 'args']);
  if (result.exitCode !== 0) return null;
  return parseTopWorkers(result.stdout);
}

/** Worker pids from `podman top <c> pid args` output. */
export function parseTopWorkers(stdout: string): number[] {
  return stdout.split('\n').flatMap((line) => {
    const match = /^\s*(\d+)\s+nginx: worker process/.exec(line);
    return match?.[1] ? [Number(match[1])] : [];
  });
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
  const result = await callAllowFail(podman.config, ['port', '--', container, `${port}/tcp`]);
  return result.exitCode === 0 ? urlFromPortOutput(result.stdout) : null;
}

/** `podman port <c> 80/tcp` prints `0.0.0.0:18080`; a wildcard address is reached on 127.0.0.1. */
export function urlFromPortOutput(stdout: string): string | null {
  const first = stdout.trim().split('\n')[0] ?? '';
  const match = /^(.*):(\d+)$/.exec(first.trim());
  if (!match?.[2]) return null;
  const wildcard = match[1] === '' || match[1] === '0.0.0.0' || match[1] === '[::]' || match[1] === '::';
  return `http://${wildcard ? '127.0.0.1' : match[1]}:${match[2]}`;
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
