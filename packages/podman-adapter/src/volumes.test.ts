import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readFixture } from '../test/read-fixture.ts';
import { parseOutput } from './runner.ts';
import { toVolumeInfo, volumeSchema } from './volumes.ts';

const parse = (name: string) =>
  parseOutput(['podman', 'volume'], readFixture(name), z.array(volumeSchema)).map(toVolumeInfo);

describe('volume inspect / ls (recorded)', () => {
  it('exposes where a bind-backed volume really lives', () => {
    expect(parse('volume-inspect-bind.json')).toEqual([
      {
        name: 'pa-fixture_db_data',
        driver: 'local',
        mountpoint: '/home/phoenix-e2e/.local/share/containers/storage/volumes/pa-fixture_db_data/_data',
        options: { device: '/home/phoenix-e2e/pa-fixture/db_data', o: 'bind', type: 'none' },
        labels: { 'com.docker.compose.project': 'pa-fixture', 'io.podman.compose.project': 'pa-fixture' },
        device: '/home/phoenix-e2e/pa-fixture/db_data',
      },
    ]);
  });

  it('gives a plain volume no device and empty options', () => {
    const [plain] = parse('volume-inspect-plain.json');
    expect(plain).toMatchObject({ name: 'pa-fixture_plain', options: {}, device: null });
  });

  it('lists both volumes of the project', () => {
    expect(parse('volume-ls.json').map((v) => [v.name, v.device !== null])).toEqual([
      ['pa-fixture_db_data', true],
      ['pa-fixture_plain', false],
    ]);
  });

  it('parses the empty array podman prints on stdout for a missing volume', () => {
    expect(parse('volume-inspect-missing.stdout.txt')).toEqual([]);
    expect(readFixture('volume-inspect-missing.stderr.txt')).toMatch(/no such volume/);
  });
});
