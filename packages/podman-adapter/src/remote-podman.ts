// Kept free of execa, zod and core like rerun-in-namespace.ts: the CLI asks this before any command loads.
import { execFile } from 'node:child_process';

/** Whether podman commands run on this machine or are sent to a podman service elsewhere (podman machine). */
export type PodmanLocation = { remote: false } | { remote: true; reason: string };

/** Where detectRemotePodman looks; every field defaults to this process's. */
export interface DetectRemoteOptions {
  /** Path or name of the podman binary; default `podman`. */
  bin?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  platform?: NodeJS.Platform | undefined;
  /** Limit of the `podman version` call; default 10 s. */
  timeoutMs?: number | undefined;
}

/**
 * What makes podman a remote client without asking it: a platform where podman only runs in a VM
 * (podman machine), or the environment variables that send a Linux podman's commands to a service.
 * Null when only `podman version` can tell (containers.conf `remote = true`, a podman-remote binary).
 */
export function remoteSignal(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | null {
  if (platform !== 'linux') return `podman on ${platform} is a client of podman machine`;
  if (env.CONTAINER_HOST) return `CONTAINER_HOST=${env.CONTAINER_HOST}`;
  if (env.CONTAINER_CONNECTION) return `CONTAINER_CONNECTION=${env.CONTAINER_CONNECTION}`;
  return null;
}

/**
 * Reads `podman version --format json`: a remote client reports a Server beside its Client (4.3 prints
 * only Client when it runs containers itself). Null when the output is not podman's.
 */
export function versionReportsServer(json: string): boolean | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  if (!isObject(parsed) || !isObject(parsed.Client)) return null;
  return isObject(parsed.Server);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const cache = new Map<string, Promise<PodmanLocation>>();

/**
 * Decides once per process (per binary and connection variables) whether podman is remote: the
 * free signals first, then `podman version`. A podman that cannot be run counts as local, so the
 * command's own podman call reports that with its install hint.
 */
export function detectRemotePodman(options: DetectRemoteOptions = {}): Promise<PodmanLocation> {
  const bin = options.bin ?? 'podman';
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const key = JSON.stringify([bin, platform, env.CONTAINER_HOST, env.CONTAINER_CONNECTION]);
  let found = cache.get(key);
  if (found === undefined) {
    found = detect(bin, env, platform, options.timeoutMs ?? 10_000);
    cache.set(key, found);
  }
  return found;
}

async function detect(
  bin: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  timeoutMs: number,
): Promise<PodmanLocation> {
  const signal = remoteSignal(env, platform);
  if (signal !== null) return { remote: true, reason: signal };
  const stdout = await new Promise<string | null>((resolve) => {
    execFile(bin, ['version', '--format', 'json'], { env, timeout: timeoutMs }, (error, out) =>
      resolve(error ? null : out),
    );
  });
  if (stdout !== null && versionReportsServer(stdout)) {
    return { remote: true, reason: `${bin} version reports a server (a remote client)` };
  }
  return { remote: false };
}
