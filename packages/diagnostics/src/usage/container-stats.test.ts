import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/doctor-fakes.ts';
import { parseBlockIo, parseContainerStats } from './container-stats.ts';

describe('podman stats', () => {
  it('parses the JSON podman 4.3 printed (rootful; rootless podman refuses on cgroup v1)', () => {
    const argv = ['podman', 'stats'];
    expect(parseContainerStats(argv, fixture('podman-stats-rootful.json'))).toEqual([
      { container: 'ops-fixture_stats', readBytes: 0, writtenBytes: 0 },
    ]);
  });

  it('recorded the rootless refusal this host gives', () => {
    expect(fixture('podman-stats-rootless.stderr.txt')).toMatch(
      /not supported in rootless mode without cgroups v2/,
    );
  });

  it("reads podman's human sizes as powers of 1000", () => {
    expect(parseBlockIo('12.3MB / 4.1kB')).toEqual({ readBytes: 12_300_000, writtenBytes: 4100 });
    expect(parseBlockIo('-- / --')).toEqual({ readBytes: 0, writtenBytes: 0 });
  });

  it('refuses JSON of another shape', () => {
    expect(() => parseContainerStats(['podman'], '[{"id":1}]')).toThrow(
      expect.objectContaining({ code: 'PODMAN_OUTPUT' }),
    );
  });
});
