import { defaultStack, type VolumeSpec } from '@phoenix-hydra/core';
import { fakeVolume } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { boundToDirectory, volumeSource } from './volume-targets.ts';

const spec = defaultStack({ project: 'p', baseDir: '/home/u/p' }).volumes[0] as VolumeSpec;
const observed = (hostPath: string, device: string | null | undefined) => ({
  spec: { ...spec, hostPath },
  podmanVolumeName: 'p_db_data',
  namedVolume: device === undefined ? null : fakeVolume('p_db_data', device),
});

describe('volumeSource: the named volume when it is bound to the directory, else the path', () => {
  it('on Linux and macOS: the named volume bound to the path, else the path (no volume, or one kept elsewhere)', () => {
    for (const platform of ['linux', 'darwin'] as const) {
      expect(volumeSource(observed('/home/u/p/db_data', '/home/u/p/db_data'), platform)).toBe('p_db_data');
      expect(volumeSource(observed('/home/u/p/db_data', undefined), platform)).toBe('/home/u/p/db_data');
      expect(volumeSource(observed('/home/u/p/db_data', '/srv/other'), platform)).toBe('/home/u/p/db_data');
      expect(volumeSource(observed('/home/u/p/db_data', null), platform)).toBe('/home/u/p/db_data');
    }
  });

  it('from Windows: a volume bound to /mnt/c/… is bound to C:\\…; otherwise the path the machine knows', () => {
    const win = 'C:\\Users\\u\\p\\db_data';
    expect(volumeSource(observed(win, '/mnt/c/Users/u/p/db_data'), 'win32')).toBe('p_db_data');
    expect(boundToDirectory(observed(win, '/mnt/c/Users/u/p/db_data'), 'win32')).toBe(true);
    expect(volumeSource(observed(win, undefined), 'win32')).toBe('/mnt/c/Users/u/p/db_data');
    expect(volumeSource(observed(win, '/mnt/d/elsewhere'), 'win32')).toBe('/mnt/c/Users/u/p/db_data');
    expect(boundToDirectory(observed(win, '/mnt/d/elsewhere'), 'win32')).toBe(false);
    // A UNC share has no machine path: it stays as it is, and podman refuses to mount it.
    expect(volumeSource(observed('\\\\server\\share\\db_data', undefined), 'win32')).toBe(
      '\\\\server\\share\\db_data',
    );
  });
});
