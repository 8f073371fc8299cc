import { createFakePodman, fakeContainer } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { observation } from '../../test/doctor-fakes.ts';
import { findVolumeUsers } from './volume-users.ts';

const obs = observation();
const db = obs.volumes.find((v) => v.spec.name === 'db_data');
const mountOf = (name: string) => [
  {
    type: 'volume',
    name,
    source: `/fake/${name}`,
    destination: '/v',
    rw: true,
    options: [],
    propagation: null,
  },
];

describe('findVolumeUsers', () => {
  const podman = () =>
    createFakePodman({
      containers: [
        { ...fakeContainer('p_db_1', { running: false }), mounts: mountOf(db?.podmanVolumeName ?? '') },
        // A helper of a remote backup killed with SIGKILL, still mounting db_data, and a doctor's probe.
        {
          ...fakeContainer('phoenix-helper-1a2b', { running: false }),
          mounts: mountOf(db?.podmanVolumeName ?? ''),
          labels: { 'io.phoenix-hydra.helper': '1' },
        },
        {
          ...fakeContainer('phoenix-probe-3c4d', { running: true }),
          mounts: mountOf(db?.podmanVolumeName ?? ''),
          labels: { 'io.phoenix-hydra.helper': '1' },
        },
      ],
    });

  it("leaves our own helpers out: a running probe is not the stack's database to dump", async () => {
    expect(await findVolumeUsers(podman(), obs)).toEqual([
      { container: 'p_db_1', running: false, volumes: ['db_data'], helper: false },
    ]);
  });

  it('lists them, marked, for cleanup, which must remove them before the volume', async () => {
    expect(await findVolumeUsers(podman(), obs, { helpers: true })).toEqual([
      { container: 'p_db_1', running: false, volumes: ['db_data'], helper: false },
      { container: 'phoenix-helper-1a2b', running: false, volumes: ['db_data'], helper: true },
      { container: 'phoenix-probe-3c4d', running: true, volumes: ['db_data'], helper: true },
    ]);
  });
});
