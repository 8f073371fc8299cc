import { callAllowFail, type Podman, parseOutput } from '@phoenix-hydra/podman-adapter';
import { z } from 'zod';
import { parseSize } from './parse-size.ts';

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

/** Block I/O a container did since it started, from its cgroup (blkio or io.stat). */
export interface ContainerBlockIo {
  container: string;
  readBytes: number;
  writtenBytes: number;
}

/** Per-container block I/O, or why podman cannot tell (rootless podman needs cgroup v2 for stats). */
export type ContainerIo =
  | { available: true; containers: ContainerBlockIo[] }
  | { available: false; reason: string; hint: string };

/** Splits podman's "12.3MB / 4.1kB" (read / write) into bytes; "--" counts as 0. */
export function parseBlockIo(text: string): { readBytes: number; writtenBytes: number } {
  const [read = '', written = ''] = text.split('/').map((s) => s.trim());
  const bytes = (s: string) => (s === '' || s === '--' ? 0 : parseSize(s));
  return { readBytes: bytes(read), writtenBytes: bytes(written) };
}

/** Parses the JSON `podman stats --no-stream --format json` prints. */
export function parseContainerStats(argv: readonly string[], stdout: string): ContainerBlockIo[] {
  return (parseOutput(argv, stdout, z.array(podmanStatsSchema).nullable()) ?? []).map((s) => ({
    container: s.name,
    ...parseBlockIo(s.block_io),
  }));
}

/** Block I/O of running containers; a host where podman cannot read cgroups gets the reason instead. */
export async function readContainerIo(podman: Podman, containers: readonly string[]): Promise<ContainerIo> {
  if (containers.length === 0) return { available: true, containers: [] };
  const args = ['stats', '--no-stream', '--format', 'json', '--', ...containers];
  const result = await callAllowFail(podman.config, args);
  if (result.exitCode === 0)
    return { available: true, containers: parseContainerStats(result.argv, result.stdout) };
  const reason =
    result.stderr
      .trim()
      .split('\n')
      .at(-1)
      ?.replace(/^Error: /, '') || `exit code ${result.exitCode}`;
  return {
    available: false,
    reason: `podman stats: ${reason}`,
    hint: /cgroups? v2/i.test(reason)
      ? 'boot the host with the unified cgroup hierarchy (systemd.unified_cgroup_hierarchy=1) for per-container I/O'
      : 'podman stats --no-stream   # to see the error',
  };
}
