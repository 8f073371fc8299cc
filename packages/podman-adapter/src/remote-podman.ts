// Kept free of execa, zod and core like rerun-in-namespace.ts: the CLI asks this before any command loads.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, open, readdir, readFile, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** Whether podman commands run on this machine or are sent to a podman service elsewhere (podman machine). */
export type PodmanLocation = { remote: false } | { remote: true; reason: string };

/** Where detectRemotePodman looks; every field defaults to this process's. */
export interface DetectRemoteOptions {
  /** Path or name of the podman binary; default `podman`. */
  bin?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  platform?: NodeJS.Platform | undefined;
  /** Limit of the `podman version` call, made only when the files cannot tell; default 10 s. */
  timeoutMs?: number | undefined;
  /** The user's id, whose containers.conf drop-ins apply; default this process's. */
  uid?: number | undefined;
}

/**
 * What makes podman a remote client without asking it: a platform where podman only runs in a VM
 * (podman machine), or the environment variables that send a Linux podman's commands to a service
 * (podman counts them when set at all, even empty). Null when the environment does not tell.
 */
export function remoteSignal(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | null {
  if (platform !== 'linux') return `podman on ${platform} is a client of podman machine`;
  if (env.CONTAINER_HOST !== undefined) return `CONTAINER_HOST=${env.CONTAINER_HOST}`;
  if (env.CONTAINER_CONNECTION !== undefined) return `CONTAINER_CONNECTION=${env.CONTAINER_CONNECTION}`;
  return null;
}

/**
 * The containers.conf files podman reads, in its order (a later `[engine] remote` wins): only
 * CONTAINERS_CONF when set, else the system files, their drop-ins and the user's; CONTAINERS_CONF_OVERRIDE
 * last. Drop-in directories are listed as `dir/` and expanded to their sorted `*.conf` by the reader.
 */
export function containersConfPaths(env: NodeJS.ProcessEnv, uid: number): string[] {
  const override = env.CONTAINERS_CONF_OVERRIDE ? [env.CONTAINERS_CONF_OVERRIDE] : [];
  if (env.CONTAINERS_CONF) return [env.CONTAINERS_CONF, ...override];
  const scope = uid === 0 ? ['rootful.conf.d/'] : ['rootless.conf.d/', `rootless.conf.d/${uid}/`];
  const system = (dir: string) => [
    `${dir}/containers.conf`,
    `${dir}/containers.conf.d/`,
    ...scope.map((s) => `${dir}/containers.${s}`),
  ];
  const config = env.XDG_CONFIG_HOME?.startsWith('/')
    ? env.XDG_CONFIG_HOME
    : join(env.HOME ?? '/', '.config');
  return [
    ...system('/usr/share/containers'),
    ...system('/etc/containers'),
    join(config, 'containers/containers.conf'),
    `${join(config, 'containers/containers.conf.d')}/`,
    ...override,
  ];
}

/**
 * `[engine] remote` in one containers.conf text: true or false when set, undefined when not, null when
 * set to something this small reader cannot decide (podman is asked then).
 */
export function engineRemote(text: string): boolean | null | undefined {
  let table = '';
  let found: boolean | null | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const header = /^\[\[?\s*([^\]]*?)\s*\]\]?$/.exec(line);
    if (header) {
      table = header[1] ?? '';
      continue;
    }
    const key =
      table === 'engine'
        ? /^remote\s*=\s*(.*)$/.exec(line)
        : table === ''
          ? /^engine\s*\.\s*remote\s*=\s*(.*)$/.exec(line)
          : null;
    if (!key) continue;
    const value = /^(true|false)\s*(?:#.*)?$/.exec(key[1] ?? '');
    found = value ? value[1] === 'true' : null;
  }
  return found;
}

/** What podman itself would read to decide, gathered by detectRemotePodman (tests give their own). */
export interface RemoteFacts {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** The podman binary's real path (symlinks followed); null when it is not found. */
  binPath: string | null;
  /** Whether that file is a script (`#!`): a wrapper whose podman this cannot see. */
  binIsScript: boolean;
  /** Each containers.conf podman reads, in order, with its text. */
  configs: readonly { path: string; text: string }[];
}

/**
 * Decides from the facts alone: remote (with the reason), local, or null when only `podman version`
 * can tell (a wrapper script, a `remote` value this cannot read). podman is remote on a non-Linux
 * platform, with CONTAINER_HOST or CONTAINER_CONNECTION, as the podman-remote binary, or with
 * `[engine] remote = true`; a destination (active_service) alone does not make it remote.
 */
export function decideRemote(facts: RemoteFacts): PodmanLocation | null {
  const signal = remoteSignal(facts.env, facts.platform);
  if (signal !== null) return { remote: true, reason: signal };
  if (facts.binPath === null) return { remote: false };
  if (basename(facts.binPath).startsWith('podman-remote'))
    return { remote: true, reason: `${facts.binPath} is podman-remote` };
  let remote: { value: boolean | null; path: string } | null = null;
  for (const { path, text } of facts.configs) {
    const value = engineRemote(text);
    if (value !== undefined) remote = { value, path };
  }
  if (remote?.value === null || facts.binIsScript) return null;
  if (remote?.value) return { remote: true, reason: `[engine] remote = true in ${remote.path}` };
  return { remote: false };
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
 * Decides once per process (per binary and connection variables) whether podman is remote, from what
 * podman itself reads (platform, environment, binary, containers.conf); `podman version` (~50 ms) only
 * when those cannot tell. A podman that cannot be found counts as local, so the command's own podman
 * call reports that with its install hint.
 */
export function detectRemotePodman(options: DetectRemoteOptions = {}): Promise<PodmanLocation> {
  const bin = options.bin ?? 'podman';
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const uid = options.uid ?? process.getuid?.() ?? -1;
  const key = JSON.stringify([bin, platform, uid, ...REMOTE_VARIABLES.map((name) => env[name] ?? null)]);
  let found = cache.get(key);
  if (found === undefined) {
    found = detect(bin, env, platform, uid, options.timeoutMs ?? 10_000);
    cache.set(key, found);
  }
  return found;
}

// The variables that change the answer: the cache key.
const REMOTE_VARIABLES = [
  'CONTAINER_HOST',
  'CONTAINER_CONNECTION',
  'CONTAINERS_CONF',
  'CONTAINERS_CONF_OVERRIDE',
  'XDG_CONFIG_HOME',
  'HOME',
  'PATH',
] as const;

async function detect(
  bin: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  uid: number,
  timeoutMs: number,
): Promise<PodmanLocation> {
  const early = remoteSignal(env, platform);
  if (early !== null) return { remote: true, reason: early };
  const binPath = await findBinary(bin, env);
  const facts: RemoteFacts = {
    env,
    platform,
    binPath,
    binIsScript: binPath !== null && (await startsWith(binPath, '#!')),
    configs: binPath === null ? [] : await readConfigs(containersConfPaths(env, uid)),
  };
  const decided = decideRemote(facts);
  if (decided !== null) return decided;
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

/** The real path of `bin` as execFile would find it on PATH; null when there is none. */
async function findBinary(bin: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const candidates = bin.includes('/')
    ? [bin]
    : (env.PATH ?? '').split(':').map((dir) => join(dir === '' ? '.' : dir, bin));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return await realpath(candidate);
    } catch {}
  }
  return null;
}

async function startsWith(path: string, prefix: string): Promise<boolean> {
  const file = await open(path, 'r').catch(() => null);
  if (file === null) return false;
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(prefix.length), 0, prefix.length, 0);
    return buffer.toString('latin1', 0, bytesRead) === prefix;
  } finally {
    await file.close();
  }
}

/** The texts of the files that exist, drop-in directories (`dir/`) expanded to their sorted *.conf. */
async function readConfigs(paths: readonly string[]): Promise<{ path: string; text: string }[]> {
  const expanded = await Promise.all(
    paths.map(async (path) => {
      if (!path.endsWith('/')) return [path];
      const names = await readdir(path).catch(() => [] as string[]);
      return names
        .filter((n) => n.endsWith('.conf'))
        .sort()
        .map((n) => join(path, n));
    }),
  );
  const read = await Promise.all(
    expanded.flat().map(async (path) => ({ path, text: await readFile(path, 'utf8').catch(() => null) })),
  );
  return read.filter((r): r is { path: string; text: string } => r.text !== null);
}
