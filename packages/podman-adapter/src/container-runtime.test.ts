import { describe, expect, it } from 'vitest';
import { readFixture } from '../test/read-fixture.ts';
import { parsePortOutput, parseTopOutput, podmanStatsSchema } from './container-runtime.ts';
import { createPodman } from './podman.ts';
import { parseOutput } from './runner.ts';

describe('podman top, port and stats output (recorded from podman 4.3.1)', () => {
  it('reads each process of `podman top C pid args`', () => {
    expect(parseTopOutput(readFixture('podman-top-nginx.txt'))).toEqual([
      { pid: 1, args: 'nginx: master process nginx -g daemon off;' },
      { pid: 7, args: 'nginx: worker process' },
      { pid: 8, args: 'nginx: worker process' },
    ]);
  });

  it('reads the host binding of `podman port`, IPv6 brackets removed', () => {
    expect(parsePortOutput(readFixture('podman-port-nginx.txt'))).toEqual({
      hostIp: '0.0.0.0',
      hostPort: 18099,
    });
    expect(parsePortOutput('[::]:8443\n')).toEqual({ hostIp: '::', hostPort: 8443 });
    expect(parsePortOutput('')).toBeNull();
  });

  it('reads `podman stats --format json` and refuses JSON of another shape', () => {
    const rows = parseOutput(
      ['podman', 'stats'],
      readFixture('podman-stats-rootful.json'),
      podmanStatsSchema.array(),
    );
    expect(rows.map((r) => [r.name, r.block_io])).toEqual([['ops-fixture_stats', '0B / 0B']]);
    expect(() => parseOutput(['podman'], '[{"id":1}]', podmanStatsSchema.array())).toThrow(
      expect.objectContaining({ code: 'PODMAN_OUTPUT' }),
    );
    expect(readFixture('podman-stats-rootless.stderr.txt')).toMatch(
      /not supported in rootless mode without cgroups v2/,
    );
  });

  it('says why stats are unavailable instead of throwing (a podman that fails)', async () => {
    const podman = createPodman({ bin: 'false' });
    await expect(podman.blockIo(['c'])).resolves.toEqual({ available: false, reason: 'exit code 1' });
    await expect(podman.imageExists('x')).resolves.toBe(false);
    await expect(podman.processes('c')).resolves.toBeNull();
  });
});
