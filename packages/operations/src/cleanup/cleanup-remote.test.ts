import { describe, expect, it } from 'vitest';
import { parseMeasure } from './cleanup-remote.ts';

const hex = (s: string) => Buffer.from(s).toString('hex');
const volumes = [
  { name: 'db_data', dirName: 'db_data' },
  { name: 'logs', dirName: 'logs' },
];

describe('parseMeasure', () => {
  it('reads each volume directory (or its absence) in order, then the copies restore left beside them', () => {
    const lines = ['d 40 12', 'm', `l 4 2 ${hex('db_data.pre-restore-20261128T101010Z')}`];
    expect(parseMeasure(volumes, '/home/u/.local/share/p', lines)).toEqual({
      sizes: [{ bytes: 40960, files: 12 }, null],
      leftovers: [
        {
          volume: 'db_data',
          kind: 'restore-leftover',
          path: '/home/u/.local/share/p/db_data.pre-restore-20261128T101010Z',
          bytes: 4096,
          files: 2,
          namedVolume: null,
        },
      ],
    });
  });

  it('refuses output the script cannot have printed: a short list, a name of no volume, a path with a slash', () => {
    expect(() => parseMeasure(volumes, '/b', ['d 1 1'])).toThrow(/unexpected cleanup helper output/);
    expect(() => parseMeasure(volumes, '/b', ['m', 'm', `l 1 1 ${hex('other.pre-restore-1')}`])).toThrow(
      /unexpected/,
    );
    expect(() => parseMeasure(volumes, '/b', ['m', 'm', `l 1 1 ${hex('logs./../x')}`])).toThrow(/unexpected/);
    expect(() => parseMeasure(volumes, '/b', ['d 1; rm 1', 'm'])).toThrow(/unexpected/);
  });
});
