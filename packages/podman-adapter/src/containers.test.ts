import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readFixture } from '../test/read-fixture.ts';
import { containerInspectSchema, psEntrySchema, toContainerInfo, toContainerSummary } from './containers.ts';
import { parseOutput } from './runner.ts';

describe('ps (recorded, filtered by compose labels)', () => {
  it('finds the container with its project and service', () => {
    const rows = parseOutput(['podman', 'ps'], readFixture('ps-compose-labels.json'), z.array(psEntrySchema));
    expect(rows.map(toContainerSummary)).toEqual([
      expect.objectContaining({
        name: 'pa-fixture_db_1',
        image: 'localhost/phoenix-hydra-test:latest',
        state: 'running',
        project: 'pa-fixture',
        service: 'db',
      }),
    ]);
  });
});

describe('container inspect (recorded, running, bind-backed named volume + bind mount)', () => {
  const [raw] = parseOutput(
    ['podman', 'container', 'inspect'],
    readFixture('container-inspect-running.json'),
    z.array(containerInspectSchema),
  );
  const info = raw && toContainerInfo(raw);

  it('reports state, user, image and labels', () => {
    expect(info).toMatchObject({
      name: 'pa-fixture_db_1',
      state: 'running',
      running: true,
      user: '999:999',
      image: 'localhost/phoenix-hydra-test:latest',
      labels: expect.objectContaining({ 'com.docker.compose.service': 'db' }),
    });
  });

  it('shows the named volume at its _data path, not at the bind device', () => {
    expect(info?.mounts).toEqual([
      {
        type: 'volume',
        name: 'pa-fixture_db_data',
        source: '/home/phoenix-e2e/.local/share/containers/storage/volumes/pa-fixture_db_data/_data',
        destination: '/var/lib/postgresql/data',
        rw: true,
        options: ['nosuid', 'nodev', 'rbind'],
        propagation: 'rprivate',
      },
      {
        type: 'bind',
        name: null,
        source: '/home/phoenix-e2e/pa-fixture/conf',
        destination: '/etc/phoenix',
        rw: false,
        options: ['rbind'],
        propagation: 'rprivate',
      },
    ]);
  });

  it('recognises the missing-container message', () => {
    expect(readFixture('container-inspect-missing.stderr.txt')).toMatch(/no such container/i);
  });
});
