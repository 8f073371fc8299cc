import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readFixture } from '../test/read-fixture.ts';
import {
  containerInspectSchema,
  mergeLogLines,
  psEntrySchema,
  toContainerInfo,
  toContainerSummary,
} from './containers.ts';
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

describe('container inspect (recorded, how it last ran)', () => {
  const parse = (fixture: string) => {
    const [raw] = parseOutput(['podman'], readFixture(fixture), z.array(containerInspectSchema));
    if (!raw) throw new Error(`empty fixture ${fixture}`);
    return toContainerInfo(raw);
  };

  it('an exited postgres keeps its exit code and times, no healthcheck', () => {
    expect(parse('container-inspect-exited.json')).toMatchObject({
      state: 'exited',
      running: false,
      exitCode: 1,
      oomKilled: false,
      restarting: false,
      restartCount: 0,
      startedAt: '2026-11-28T04:30:03.053166296Z',
      finishedAt: '2026-11-28T04:30:03.161816999Z',
      health: null,
    });
  });

  it('a container that never started has no start time (podman says year 1)', () => {
    expect(parse('container-inspect-created.json')).toMatchObject({
      state: 'created',
      startedAt: null,
      finishedAt: null,
      exitCode: 0,
    });
  });
});

describe('logs (recorded podman logs --timestamps)', () => {
  it('puts stdout and stderr back in the order initdb wrote them, without stamps or blank lines', () => {
    const lines = mergeLogLines(
      readFixture('logs-initdb-denied.stdout.txt'),
      readFixture('logs-initdb-denied.stderr.txt'),
    );
    expect(lines.at(-1)).toBe(
      'initdb: error: could not access directory "/var/lib/postgresql/data": Permission denied',
    );
    expect(lines).toContain('Data page checksums are disabled.');
    expect(lines.every((l) => l.trim() !== '' && !/^\d{4}-\d\d-\d\dT/.test(l))).toBe(true);
  });
});
