// PostgreSQL data, podman volumes and containers, against recorded podman, initdb and postgres output.

import { PhoenixError } from '@phoenix-hydra/core';
import { describe, expect, it } from 'vitest';
import {
  BASE,
  fakeContext,
  fixture,
  observation,
  ok,
  recordedContainer,
  recordedVolume,
} from '../../test/doctor-fakes.ts';
import { DOCTOR_CHECKS } from './catalogue.ts';
import type { DoctorContext } from './context.ts';
import { runDoctor } from './run-doctor.ts';

async function run(ctx: DoctorContext, ...ids: string[]) {
  return (await runDoctor(ctx, DOCTOR_CHECKS, { only: ids })).findings;
}

const entries = (name: string) => ok(fixture(name));

describe('PostgreSQL data directory', () => {
  it('reports files without PG_VERSION, the directory initdb refuses', async () => {
    const ctx = fakeContext({ unshare: { find: entries('find-db-data-no-version.bin') } });
    const found = await run(ctx, 'PHX-PG-001', 'PHX-PG-002');
    expect(found).toMatchObject([
      {
        check: 'PHX-PG-001',
        volume: 'db_data',
        message: `${BASE}/db_data holds 2 entries (lost+found, notes.txt) but no PG_VERSION`,
        evidence: { entries: ['lost+found', 'notes.txt'], count: 2 },
      },
    ]);
    // The failure this predicts, as initdb really words it.
    expect(fixture('initdb-not-empty.stderr.txt')).toMatch(/exists but is not empty/);
    expect(found[0]?.why).toMatch(/directory exists but is not empty/);
  });

  it("does not count the write probe's file, which the probe (PHX-PROBE-001) may have there meanwhile", async () => {
    const ctx = fakeContext({ unshare: { find: ok('.phoenix-write-probe-12\0') } });
    expect(await run(ctx, 'PHX-PG-001')).toEqual([]);
    const other = fakeContext({ unshare: { find: ok('.phoenix-write-probe-12\0notes.txt\0') } });
    expect(await run(other, 'PHX-PG-001')).toMatchObject([
      { evidence: { entries: ['notes.txt'], count: 1 } },
    ]);
  });

  it("accepts an initialised directory whose PG_VERSION matches the image's postgres", async () => {
    const ctx = fakeContext({
      unshare: { find: entries('find-db-data-initialised.bin'), cat: ok(fixture('pg-version-file.txt')) },
      run: { sh: ok(fixture('postgres-version.txt')) },
    });
    expect(await run(ctx, 'PHX-PG-001', 'PHX-PG-002')).toEqual([]);
    expect(ctx.calls).toContainEqual([
      'sh',
      '-c',
      'postgres --version 2>/dev/null || ls /usr/lib/postgresql',
    ]);
  });

  it('reports data of another major version (PG_VERSION 14, recorded image runs 15)', async () => {
    const ctx = fakeContext({
      unshare: { find: entries('find-db-data-initialised.bin'), cat: ok('14\n') },
      run: { sh: ok(fixture('postgresql-lib-ls.txt')) },
    });
    expect(await run(ctx, 'PHX-PG-002')).toMatchObject([
      {
        message: `${BASE}/db_data/PG_VERSION says 14, but postgres:15 runs PostgreSQL 15`,
        evidence: { dataVersion: 14, imageVersion: 15, image: 'postgres:15' },
      },
    ]);
  });
});

describe('podman volumes', () => {
  it('reports a missing volume with a fix that creates it bound to the directory', async () => {
    const ctx = fakeContext({ observation: observation({ logs: { namedVolume: null } }) });
    expect(await run(ctx, 'PHX-VOLUME-001', 'PHX-VOLUME-002')).toMatchObject([
      {
        check: 'PHX-VOLUME-001',
        volume: 'logs',
        hint: `podman volume create --opt type=none --opt o=bind --opt device=${BASE}/logs dx-fixture_logs`,
        fix: { describe: `create podman volume dx-fixture_logs bound to ${BASE}/logs` },
      },
    ]);
  });

  it('reports a volume bound elsewhere (recorded Options.device), fixable when no container uses it', async () => {
    const elsewhere = recordedVolume(); // device: <home>/dx-fixture/db_data
    const ctx = fakeContext({ observation: observation({ logs: { namedVolume: elsewhere } }) });
    const [found] = await run(ctx, 'PHX-VOLUME-002');
    expect(found).toMatchObject({
      message: `podman volume dx-fixture_logs keeps its data in ${BASE}/db_data, not in ${BASE}/logs`,
      evidence: { device: `${BASE}/db_data`, expectedDevice: `${BASE}/logs`, usedBy: [] },
      fix: { describe: /^recreate podman volume dx-fixture_logs bound to/ },
    });
    const used = fakeContext({
      observation: observation({ logs: { namedVolume: elsewhere } }),
      volumeUsers: [{ container: 'dx-fixture_nginx_1', running: true, volumes: ['logs'], helper: false }],
    });
    const [inUse] = await run(used, 'PHX-VOLUME-002');
    expect(inUse?.fix).toBeUndefined();
    expect(inUse?.hint).toMatch(/^stop dx-fixture_nginx_1 \(podman-compose down\), then podman volume rm/);
  });

  it("never offers to remove a plain volume that holds data in podman's storage: it names adopt", async () => {
    const plain = { ...recordedVolume(), device: null, options: {} };
    const ctx = fakeContext({
      observation: observation({ logs: { namedVolume: plain } }),
      unshare: { find: ok('xx') },
    });
    const [found] = await run(ctx, 'PHX-VOLUME-002');
    expect(found).toMatchObject({
      evidence: { device: null, entries: 2 },
      hint: expect.stringMatching(
        /^phoenix-volumes adopt --volume logs {3}\(copies its 2 entries into .*\/logs,/,
      ),
    });
    expect(found?.fix).toBeUndefined();
  });
});

describe('containers', () => {
  it('accept containers created as compose says (recorded podman inspect)', async () => {
    const ctx = fakeContext({
      containers: [
        recordedContainer('container-inspect-db.json'),
        recordedContainer('container-inspect-nginx.json'),
      ],
      exec: ok(fixture('exec-id-u-db.txt')),
    });
    expect(await run(ctx, 'PHX-MOUNT-001', 'PHX-USER-001')).toEqual([]);
  });

  it('judge a container that stopped between the listing and the exec by its config, and keep other exec errors', async () => {
    // A restart-looping service: running when listed, stopped when doctor asks it `id -u` (remote e2e run).
    const refused = (message: string) => () => {
      throw new PhoenixError('PODMAN_FAILED', message);
    };
    const stopped = fakeContext({
      containers: [recordedContainer('container-inspect-db-drifted.json')],
      exec: refused(
        'podman exec x failed: runc: exec failed: cannot exec in a stopped container: OCI runtime error',
      ),
    });
    expect(await run(stopped, 'PHX-USER-001')).toMatchObject([
      { check: 'PHX-USER-001', evidence: { configUser: '', runningUid: null, expected: 999 } },
    ]);
    const broken = fakeContext({
      containers: [recordedContainer('container-inspect-db-drifted.json')],
      exec: refused('podman exec x failed: OCI runtime attempted to invoke a command that was not found'),
    });
    const report = await runDoctor(
      broken,
      DOCTOR_CHECKS.filter((c) => c.id === 'PHX-USER-001'),
    );
    expect(report.findings).toMatchObject([{ check: 'PHX-DOCTOR-002' }]);
  });

  it('report a container whose data mount is read-only and that runs as root', async () => {
    const ctx = fakeContext({
      containers: [recordedContainer('container-inspect-db-drifted.json')],
      exec: ok(fixture('exec-id-u-root.txt')),
    });
    const found = await run(ctx, 'PHX-MOUNT-001', 'PHX-USER-001');
    expect(found).toMatchObject([
      {
        check: 'PHX-MOUNT-001',
        message: 'container dx-fixture_db_2: /var/lib/postgresql/data is read-only, compose says rw',
        hint: 'podman-compose up -d --force-recreate db',
      },
      {
        check: 'PHX-USER-001',
        message: 'container dx-fixture_db_2 runs as 0 (Config.User ""), compose says 999',
        evidence: { configUser: '', runningUid: 0, expected: 999 },
      },
    ]);
  });
});
