import { z } from 'zod';
import {
  type ContainerInfo,
  containerInspectSchema,
  createContainers,
  toContainerInfo,
} from './containers.ts';
import { call, callAllowFail, parseOutput, type RunnerConfig } from './runner.ts';

/** One process of a running container (`podman top C pid args`). */
export interface ContainerProcess {
  pid: number;
  args: string;
}

/** Where a container port is published on the host (`podman port`). */
export interface PortBinding {
  hostIp: string;
  hostPort: number;
}

/** A container with each mount's Mode by destination (podman 4.3 keeps `:Z` there, not in Options). */
export type InspectedContainer = ContainerInfo & { modes: Record<string, string> };

/** Block I/O counters as `podman stats` prints them ("12.3MB / 4.1kB"), or why podman cannot tell. */
export type BlockIoStats =
  | { available: true; containers: { container: string; blockIo: string }[] }
  | { available: false; reason: string };

/** One entry of `podman stats --no-stream --format json` (podman 4.3: snake_case, human-readable sizes). */
export const podmanStatsSchema = z.object({
  id: z.string(),
  name: z.string(),
  block_io: z.string(),
  net_io: z.string().optional(),
  mem_usage: z.string().optional(),
  cpu_percent: z.string().optional(),
  pids: z.string().optional(),
});

const mountModesSchema = z.array(
  z.object({
    Id: z.string(),
    Mounts: z
      .array(z.object({ Destination: z.string(), Mode: z.string().optional() }))
      .nullish()
      .transform((v) => v ?? []),
  }),
);

/** Parses `podman top C pid args` (a header line, then `PID ARGS...` per process). */
export function parseTopOutput(stdout: string): ContainerProcess[] {
  return stdout.split('\n').flatMap((line) => {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    return match?.[1] && match[2] !== undefined ? [{ pid: Number(match[1]), args: match[2].trim() }] : [];
  });
}

/** Parses the first line of `podman port C 80/tcp` (`0.0.0.0:18080`, `[::]:18080`, `127.0.0.1:8080`). */
export function parsePortOutput(stdout: string): PortBinding | null {
  const first = (stdout.trim().split('\n')[0] ?? '').trim();
  const match = /^(.*):(\d+)$/.exec(first);
  if (!match?.[2]) return null;
  return { hostIp: (match[1] ?? '').replace(/^\[(.*)\]$/, '$1'), hostPort: Number(match[2]) };
}

/** Parses `podman container inspect --format json` of several containers, mount modes included. */
function parseInspectWithModes(argv: readonly string[], stdout: string): InspectedContainer[] {
  const modes = parseOutput(argv, stdout, mountModesSchema);
  return parseOutput(argv, stdout, z.array(containerInspectSchema)).map((raw, i) => ({
    ...toContainerInfo(raw),
    modes: Object.fromEntries((modes[i]?.Mounts ?? []).map((m) => [m.Destination, m.Mode ?? ''])),
  }));
}

function lastErrorLine(stderr: string, exitCode: number): string {
  return (
    stderr
      .trim()
      .split('\n')
      .at(-1)
      ?.replace(/^Error: /, '') || `exit code ${exitCode}`
  );
}

/** Runtime views of containers (processes, ports, I/O) and removal, bound to one podman configuration. */
export function createContainerRuntime(config: RunnerConfig) {
  const { ps, inspectContainer } = createContainers(config);
  return {
    /** The processes of a running container; null when podman cannot tell (stopped, gone). */
    async processes(container: string): Promise<ContainerProcess[] | null> {
      const result = await callAllowFail(config, ['top', '--', container, 'pid', 'args']);
      return result.exitCode === 0 ? parseTopOutput(result.stdout) : null;
    },
    /** Where `port/tcp` of the container is published on the host; null when it is not. */
    async publishedPort(container: string, port: number): Promise<PortBinding | null> {
      const result = await callAllowFail(config, ['port', '--', container, `${port}/tcp`]);
      return result.exitCode === 0 ? parsePortOutput(result.stdout) : null;
    },
    /** Block I/O of running containers; rootless podman on cgroup v1 cannot tell, and says why. */
    async blockIo(containers: readonly string[]): Promise<BlockIoStats> {
      if (containers.length === 0) return { available: true, containers: [] };
      const result = await callAllowFail(config, [
        'stats',
        '--no-stream',
        '--format',
        'json',
        '--',
        ...containers,
      ]);
      if (result.exitCode !== 0)
        return { available: false, reason: lastErrorLine(result.stderr, result.exitCode) };
      const rows = parseOutput(result.argv, result.stdout, z.array(podmanStatsSchema).nullable()) ?? [];
      return { available: true, containers: rows.map((s) => ({ container: s.name, blockIo: s.block_io })) };
    },
    async removeContainer(container: string, options: { anonymousVolumes?: boolean } = {}): Promise<void> {
      await call(config, ['rm', ...(options.anonymousVolumes ? ['--volumes'] : []), '--', container]);
    },
    /**
     * Every container, running or not, inspected in one podman call (one call per container takes seconds
     * on a busy host); a container removed between ps and inspect is asked about again one by one.
     */
    async inspectAllContainers(): Promise<InspectedContainer[]> {
      const ids = (await ps({ all: true })).map((c) => c.id);
      if (ids.length === 0) return [];
      const result = await callAllowFail(config, ['container', 'inspect', '--format', 'json', '--', ...ids]);
      if (result.exitCode === 0) return parseInspectWithModes(result.argv, result.stdout);
      const each = await Promise.all(ids.map((id) => inspectContainer(id)));
      return each.filter((c): c is ContainerInfo => c !== null).map((c) => ({ ...c, modes: {} }));
    },
  };
}
