import { describe, expect, it } from 'vitest';
import { readFixture } from '../test/read-fixture.ts';
import { toHostId } from './id-mapping.ts';
import { infoSchema, toPodmanInfo } from './info.ts';
import { parseOutput } from './runner.ts';
import { findSubidRanges, mappingsFromSubid, parseSubid } from './subid.ts';

const info = toPodmanInfo(parseOutput(['podman', 'info'], readFixture('info.json'), infoSchema));

describe('podman info (recorded, rootless podman 4.3.1)', () => {
  it('reports rootless, runc, overlay and cgroup v1', () => {
    expect(info).toMatchObject({
      rootless: true,
      selinuxEnabled: false,
      storageDriver: 'overlay',
      version: '4.3.1',
      cgroupVersion: 'v1',
      ociRuntime: { name: 'runc', path: '/usr/bin/runc' },
    });
  });

  it('gives mappings that put container 999 at subuid start + 998', () => {
    expect(info.uidMappings).toEqual([
      { containerId: 0, hostId: 1001, size: 1 },
      { containerId: 1, hostId: 100000, size: 65536 },
    ]);
    expect(toHostId(999, info.uidMappings)).toBe(100998);
    expect(toHostId(0, info.gidMappings)).toBe(1001);
  });

  it('matches what /etc/subuid and /etc/subgid of the same host predict', () => {
    const user = { name: 'phoenix-e2e', uid: 1001 };
    expect(mappingsFromSubid(1001, findSubidRanges(parseSubid(readFixture('subuid')), user))).toEqual(
      info.uidMappings,
    );
    expect(mappingsFromSubid(1001, findSubidRanges(parseSubid(readFixture('subgid')), user))).toEqual(
      info.gidMappings,
    );
  });

  it('rejects output without the security section as PODMAN_OUTPUT', () => {
    const raw = JSON.parse(readFixture('info.json'));
    delete raw.host.security;
    expect(() => parseOutput(['podman', 'info'], JSON.stringify(raw), infoSchema)).toThrow(
      expect.objectContaining({ code: 'PODMAN_OUTPUT' }),
    );
  });
});
