import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/doctor-fakes.ts';
import { blockDeviceOf, mountOf, parseMountinfo, splitDev } from './block-device.ts';

describe('splitDev', () => {
  it("splits glibc's dev_t as stat -c %t:%T does", () => {
    expect(splitDev(65024)).toEqual({ major: 254, minor: 0 }); // fe00: the test host's /dev/vda
    expect(splitDev(2049)).toEqual({ major: 8, minor: 1 });
    expect(splitDev(0x1_0000_0000 * 0x1000 + 0x00100123)).toEqual({ major: 0x1001, minor: 0x123 });
  });
});

describe('parseMountinfo / mountOf', () => {
  const mounts = parseMountinfo(fixture('proc-self-mountinfo.txt'));

  it('reads the mounts of a real mountinfo, optional fields included', () => {
    expect(mounts.find((m) => m.mountPoint === '/proc')).toMatchObject({ fstype: 'proc', source: 'proc' });
    expect(mounts.find((m) => m.mountPoint === '/')).toMatchObject({ major: 254, minor: 0 });
  });

  it('finds the mount holding a path by its longest mount point', () => {
    expect(mountOf(mounts, '/dev/shm/x')?.fstype).toBe('tmpfs');
    expect(mountOf(mounts, '/home/phoenix-e2e/.local/share/phx/db_data')?.mountPoint).toBe('/');
    expect(mountOf(mounts, '/devx')?.mountPoint).toBe('/');
  });

  it('unescapes octal escapes in mount points', () => {
    const [m] = parseMountinfo('99 1 0:50 / /mnt/with\\040space rw - tmpfs none rw');
    expect(m?.mountPoint).toBe('/mnt/with space');
  });
});

describe('blockDeviceOf', () => {
  it('names the block device under a directory on a disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phx-blk-'));
    const device = await blockDeviceOf(dir);
    expect(device.virtual).toBe(false);
    if (!device.virtual) expect(device.name).toMatch(/^[a-z]+\d*(p\d+)?$/);
  });

  it('says a tmpfs has no block device', async () => {
    const device = await blockDeviceOf('/dev/shm');
    expect(device).toMatchObject({
      virtual: true,
      fstype: 'tmpfs',
      reason: expect.stringMatching(/no block device/),
    });
  });
});
