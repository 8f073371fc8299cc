import type { Podman } from '@phoenix-hydra/podman-adapter';
import { parseSize } from './parse-size.ts';

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

/** Block I/O of running containers; a host where podman cannot read cgroups gets the reason instead. */
export async function readContainerIo(podman: Podman, containers: readonly string[]): Promise<ContainerIo> {
  const stats = await podman.blockIo(containers);
  if (stats.available)
    return {
      available: true,
      containers: stats.containers.map((s) => ({ container: s.container, ...parseBlockIo(s.blockIo) })),
    };
  return {
    available: false,
    reason: `podman stats: ${stats.reason}`,
    hint: /cgroups? v2/i.test(stats.reason)
      ? 'boot the host with the unified cgroup hierarchy (systemd.unified_cgroup_hierarchy=1) for per-container I/O'
      : 'podman stats --no-stream   # to see the error',
  };
}
