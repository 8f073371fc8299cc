import { isAbsolute } from 'node:path';
import { Readable } from 'node:stream';
import { PhoenixError } from '@phoenix-hydra/core';
import { z } from 'zod';
import { type Filters, filterArgs } from './filters.ts';
import { stringMapSchema } from './podman-json.ts';
import { assertSuccess, call, callAllowFail, callJson, parseOutput, type RunnerConfig } from './runner.ts';
import { callStream } from './stream.ts';

/** One volume as `podman volume inspect/ls --format json` (4.3) prints it. */
export const volumeSchema = z.object({
  Name: z.string(),
  Driver: z.string(),
  Mountpoint: z.string(),
  CreatedAt: z.string().optional(),
  Labels: stringMapSchema,
  Options: stringMapSchema,
});

/** A named volume; `device` is where a bind-backed volume's data really lives (null for a plain volume). */
export interface VolumeInfo {
  name: string;
  driver: string;
  /** podman's `_data` directory; for a bind-backed volume the data is at `device` instead. */
  mountpoint: string;
  /** Driver options as given at create time: `type`, `o`, `device`, ... */
  options: Record<string, string>;
  labels: Record<string, string>;
  device: string | null;
}

/** Maps validated volume JSON to VolumeInfo. */
export function toVolumeInfo(raw: z.output<typeof volumeSchema>): VolumeInfo {
  const o = (raw.Options.o ?? '').split(',');
  const isBind = raw.Options.type === 'none' && (o.includes('bind') || o.includes('rbind'));
  return {
    name: raw.Name,
    driver: raw.Driver,
    mountpoint: raw.Mountpoint,
    options: raw.Options,
    labels: raw.Labels,
    device: isBind && raw.Options.device ? raw.Options.device : null,
  };
}

/** Named-volume operations bound to one podman configuration. */
export function createVolumes(config: RunnerConfig) {
  const inspect = async (name: string): Promise<VolumeInfo | null> => {
    const result = await callAllowFail(config, ['volume', 'inspect', '--format', 'json', '--', name]);
    if (result.exitCode !== 0 && /no such volume/i.test(result.stderr)) return null;
    assertSuccess(config, result);
    const [volume] = parseOutput(result.argv, result.stdout, z.array(volumeSchema).length(1));
    return volume ? toVolumeInfo(volume) : null;
  };
  // One call for many names: podman 4.3 prints the volumes it has, a "no such volume NAME" line per
  // missing one on stderr (quoted through a remote podman), and exits 125 when any is missing.
  const inspectMany = async (names: readonly string[]): Promise<(VolumeInfo | null)[]> => {
    if (names.length === 0) return [];
    const result = await callAllowFail(config, ['volume', 'inspect', '--format', 'json', '--', ...names]);
    if (result.exitCode !== 0) {
      const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
      const missing = lines.map((line) => /no such volume "?([^\s"]+)"?\s*$/i.exec(line)?.[1]);
      if (lines.length === 0 || missing.some((name) => name === undefined || !names.includes(name)))
        assertSuccess(config, result);
    }
    const found = parseOutput(result.argv, result.stdout, z.array(volumeSchema)).map(toVolumeInfo);
    return names.map((name) => found.find((v) => v.name === name) ?? null);
  };
  const dataDir = async (name: string): Promise<string> => {
    const volume = await inspect(name);
    if (!volume)
      throw new PhoenixError('PODMAN_FAILED', `no such volume ${name}`, { details: { volume: name } });
    if (volume.driver !== 'local') {
      throw new PhoenixError(
        'PODMAN_FAILED',
        `volume ${name} uses driver ${volume.driver}; only local volumes`,
      );
    }
    return volume.device ?? volume.mountpoint;
  };
  return {
    /** Volumes matching the filters, e.g. `{ label: 'io.podman.compose.project=phoenix-hydra' }`. */
    async volumeLs(options: { filters?: Filters } = {}): Promise<VolumeInfo[]> {
      const args = ['volume', 'ls', '--format', 'json', ...filterArgs(options.filters)];
      return ((await callJson(config, args, z.array(volumeSchema).nullable())) ?? []).map(toVolumeInfo);
    },
    /** The volume, or null when podman has no volume of that name. */
    volumeInspect: inspect,
    /** Each named volume in order, null where podman has none: one podman call for them all. */
    volumesInspect: inspectMany,
    /** Creates a local volume bound to a host directory, the layout compose reuses instead of `_data`. */
    async volumeCreate(
      name: string,
      options: { device: string; labels?: Readonly<Record<string, string>> },
    ): Promise<VolumeInfo> {
      if (!isAbsolute(options.device))
        throw new PhoenixError('USAGE', `device must be absolute: ${options.device}`);
      const labels = Object.entries(options.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
      const opts = ['--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${options.device}`];
      await call(config, ['volume', 'create', ...opts, ...labels, '--', name]);
      const created = await inspect(name);
      if (!created) throw new PhoenixError('PODMAN_OUTPUT', `volume ${name} missing right after creation`);
      return created;
    },
    /** Removes the volume; `force` also removes containers using it. A bind volume's host data stays. */
    async volumeRm(name: string, options: { force?: boolean } = {}): Promise<void> {
      await call(config, ['volume', 'rm', ...(options.force ? ['--force'] : []), '--', name]);
    },
    /**
     * The volume's content as a tar stream (ids as the container sees them); errors instead of ending if
     * tar fails midway. Runs tar in `podman unshare` on the real directory (the bind device or `_data`):
     * podman 4.3's `volume export` opens /dev/stdout by path, which fails on Node's socket pipes (ENXIO),
     * and refuses bind-backed volumes that no container has mounted.
     */
    volumeExport(name: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Readable {
      return Readable.from(
        (async function* () {
          const dir = await dataDir(name);
          const args = ['unshare', 'tar', '--numeric-owner', '-C', dir, '-cf', '-', '.'];
          yield* callStream(config, args, options).stdout;
        })(),
        { objectMode: false },
      );
    },
    /** Unpacks a tar stream into the volume as namespace root (owners and modes kept), merging with its content. */
    async volumeImport(
      name: string,
      tar: Readable,
      options: { timeoutMs?: number; signal?: AbortSignal } = {},
    ): Promise<void> {
      const dir = await dataDir(name);
      await call(config, ['unshare', 'tar', '--numeric-owner', '--same-owner', '-xpf', '-', '-C', dir], {
        stdin: tar,
        timeoutMs: options.timeoutMs ?? config.streamTimeoutMs,
        signal: options.signal,
      });
    },
  };
}

/** The volume helpers bound to one podman configuration. */
export type Volumes = ReturnType<typeof createVolumes>;
