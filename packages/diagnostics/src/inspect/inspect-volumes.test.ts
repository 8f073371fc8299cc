import { defaultStack } from '@phoenix-hydra/core';
import { toVolumeInfo, volumeSchema } from '@phoenix-hydra/podman-adapter';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixture } from '../../test/doctor-fakes.ts';
import type { VolumeObservation } from '../observe.ts';
import type { VolumeContainer } from '../usage/volume-containers.ts';
import { unknownVolumeError, volumeDifferences } from './inspect-volumes.ts';

const stack = defaultStack({ project: 'dx-fixture', baseDir: '/home/phoenix-e2e/dx-fixture' });
const [recorded] = z
  .array(volumeSchema)
  .parse(JSON.parse(fixture('volume-inspect-bind.json')))
  .map(toVolumeInfo);

function observed(name: string, overrides: Partial<VolumeObservation> = {}): VolumeObservation {
  const spec = stack.volumes.find((v) => v.name === name);
  if (!spec || !recorded) throw new Error('fixture');
  return {
    spec,
    podmanVolumeName: `dx-fixture_${name}`,
    dir: { type: 'directory', mode: spec.mode, hostUid: 100998, hostGid: 100998, owner: { ...spec.owner } },
    namedVolume: { ...recorded, name: `dx-fixture_${name}`, device: spec.hostPath },
    space: null,
    ...overrides,
  };
}

const dbContainer: VolumeContainer = {
  container: 'dx-fixture_db_1',
  service: 'db',
  running: true,
  mount: {
    type: 'volume',
    name: 'dx-fixture_db_data',
    source: '/home/phoenix-e2e/.local/share/containers/storage/volumes/dx-fixture_db_data/_data',
    destination: '/var/lib/postgresql/data',
    rw: true,
    options: ['nosuid', 'nodev', 'rbind'],
    propagation: 'rprivate',
  },
  mode: 'Z',
  user: {
    uid: 999,
    gid: 999,
    hostUid: 100998,
    hostGid: 100998,
    from: 'id',
    id: 'uid=999(postgres)',
    configUser: '999:999',
  },
};

describe('volumeDifferences', () => {
  it('finds none when podman has what the spec says', () => {
    expect(volumeDifferences(observed('db_data'), [dbContainer])).toEqual([]);
  });

  it('shows a named volume that keeps its data in podman storage (recorded: podman-compose dropped driver_opts)', () => {
    const drifted = observed('db_data');
    if (drifted.namedVolume) drifted.namedVolume = { ...drifted.namedVolume, device: null };
    const [difference] = volumeDifferences(drifted, [dbContainer]);
    expect(difference).toMatchObject({
      field: 'podman.device',
      expected: `bound to ${stack.baseDir}/db_data`,
      actual: expect.stringMatching(/_data \(podman's own storage\)$/),
      hint: expect.stringMatching(/podman volume rm dx-fixture_db_data/),
    });
  });

  it('shows a device bound elsewhere, a missing volume, mode and owner drift', () => {
    const elsewhere = observed('db_data');
    if (elsewhere.namedVolume)
      elsewhere.namedVolume = { ...elsewhere.namedVolume, device: '/srv/old/db_data' };
    expect(volumeDifferences(elsewhere, [])[0]).toMatchObject({
      field: 'podman.device',
      actual: '/srv/old/db_data',
    });
    expect(volumeDifferences(observed('db_data', { namedVolume: null }), [])[0]).toMatchObject({
      field: 'podman.volume',
      actual: 'missing',
    });
    const loose = observed('db_data', {
      dir: { type: 'directory', mode: 0o755, hostUid: 1001, hostGid: 1001, owner: { uid: 0, gid: 0 } },
    });
    expect(volumeDifferences(loose, []).map((d) => d.field)).toEqual(['directory.mode', 'directory.owner']);
  });

  it('shows a container mounting it read-only or running as another user', () => {
    const ro = { ...dbContainer, mount: dbContainer.mount && { ...dbContainer.mount, rw: false } };
    const other = { ...dbContainer, user: { ...dbContainer.user, uid: 70 } };
    expect(volumeDifferences(observed('db_data'), [ro, other]).map((d) => [d.field, d.container])).toEqual([
      ['mount.readOnly', 'dx-fixture_db_1'],
      ['container.user', 'dx-fixture_db_1'],
    ]);
  });

  it('names the known volumes for an unknown one, as a usage error', () => {
    const error = unknownVolumeError(stack, 'db');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/known volumes: db_data, nginx_config, logs/);
  });
});
