import { createFakePodman } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { parseBlockIo, readContainerIo } from './container-stats.ts';

describe('container block I/O', () => {
  it("reads podman's human sizes as powers of 1000", () => {
    expect(parseBlockIo('12.3MB / 4.1kB')).toEqual({ readBytes: 12_300_000, writtenBytes: 4100 });
    expect(parseBlockIo('-- / --')).toEqual({ readBytes: 0, writtenBytes: 0 });
  });

  it('turns podman stats into bytes per container', async () => {
    const podman = createFakePodman({
      overrides: {
        blockIo: async () => ({ available: true, containers: [{ container: 'c', blockIo: '1MB / 2kB' }] }),
      },
    });
    expect(await readContainerIo(podman, ['c'])).toEqual({
      available: true,
      containers: [{ container: 'c', readBytes: 1_000_000, writtenBytes: 2000 }],
    });
  });

  it('names the cgroup v2 fix when rootless podman refuses stats', async () => {
    const reason = 'stats is not supported in rootless mode without cgroups v2';
    const podman = createFakePodman({ overrides: { blockIo: async () => ({ available: false, reason }) } });
    const io = await readContainerIo(podman, ['c']);
    expect(io).toMatchObject({ available: false, reason: `podman stats: ${reason}` });
    expect(io.available === false && io.hint).toMatch(/systemd.unified_cgroup_hierarchy=1/);
  });
});
