import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeContext, fixture, observation, recordedInfo } from '../../test/doctor-fakes.ts';
import { DOCTOR_CHECKS } from './catalogue.ts';
import type { DoctorContext } from './context.ts';
import { runDoctor } from './run-doctor.ts';

async function run(ctx: DoctorContext, ...ids: string[]) {
  return (await runDoctor(ctx, DOCTOR_CHECKS, { only: ids })).findings;
}

async function fileWith(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'dx-subid-')), 'subuid');
  await writeFile(file, text);
  return file;
}

describe('host checks', () => {
  it('pass on the recorded rootless host (podman 4.3.1, overlay, a subuid range, uidmap on PATH)', async () => {
    const real = await fileWith(fixture('subuid'));
    const ctx = fakeContext({ settings: { subuidFile: real, subgidFile: real, path: '/usr/bin:/bin' } });
    const ids = ['PHX-PODMAN-002', 'PHX-PODMAN-003', 'PHX-SUBID-001', 'PHX-SUBID-002', 'PHX-STORAGE-001'];
    expect(await run(ctx, ...ids)).toEqual([]);
  });

  it('reports podman older than 4.0 with its version', async () => {
    const ctx = fakeContext({ info: async () => ({ ...recordedInfo(), version: '3.4.4' }) });
    expect(await run(ctx, 'PHX-PODMAN-002')).toMatchObject([
      {
        check: 'PHX-PODMAN-002',
        severity: 'error',
        message: 'podman 3.4.4 is older than 4.0',
        evidence: { version: '3.4.4' },
      },
    ]);
  });

  it('warns when podman is rootful', async () => {
    const ctx = fakeContext({ info: async () => ({ ...recordedInfo(), rootless: false }) });
    expect(await run(ctx, 'PHX-PODMAN-003')).toMatchObject([
      { check: 'PHX-PODMAN-003', severity: 'warning' },
    ]);
  });

  it('reports a user missing from the subuid and subgid files, with the usermod fix', async () => {
    const other = await fileWith('someone-else:100000:65536\n');
    const ctx = fakeContext({ settings: { subuidFile: other, subgidFile: other } });
    const found = await run(ctx, 'PHX-SUBID-001', 'PHX-SUBID-002');
    expect(found.map((f) => f.check)).toEqual(['PHX-SUBID-001', 'PHX-SUBID-002']);
    expect(found[0]).toMatchObject({
      message: `${other} has no subordinate uid range for user phoenix-e2e (uid 1001)`,
      evidence: { file: other, user: 'phoenix-e2e', uid: 1001 },
      hint: 'sudo usermod --add-subuids 100000-165535 phoenix-e2e && podman system migrate',
    });
  });

  it("through a remote podman judges the machine's ranges from podman info, not the client's files", async () => {
    const none = await fileWith('');
    const remote = async () => ({ remote: true as const, reason: 'CONTAINER_HOST=unix:///x.sock' });
    const empty = await mkdtemp(join(tmpdir(), 'dx-path-'));
    const settings = { subuidFile: none, subgidFile: none, path: empty };
    // The recorded machine maps 1001 and 100000:65536: nothing to report, not even the client's missing uidmap.
    expect(
      await run(fakeContext({ remote, settings }), 'PHX-SUBID-001', 'PHX-SUBID-002', 'PHX-UIDMAP-001'),
    ).toEqual([]);
    const own = observation();
    const bare = {
      ...own,
      namespace: { ...own.namespace, uidMappings: own.namespace.uidMappings.slice(0, 1) },
    };
    expect(await run(fakeContext({ remote, settings, observation: bare }), 'PHX-SUBID-001')).toMatchObject([
      {
        check: 'PHX-SUBID-001',
        message:
          'the podman machine maps no subordinate uid range (podman info; CONTAINER_HOST=unix:///x.sock)',
        hint: expect.stringMatching(/^podman machine ssh, then: sudo usermod --add-subuids/),
      },
    ]);
  });

  it('reports newuidmap and newgidmap missing from PATH', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'dx-path-'));
    const found = await run(fakeContext({ settings: { path: empty } }), 'PHX-UIDMAP-001');
    expect(found).toMatchObject([
      { message: 'newuidmap and newgidmap not found on PATH', hint: 'sudo apt-get install uidmap' },
    ]);
  });

  it('warns about the vfs storage driver (recorded podman info of a vfs store)', async () => {
    const ctx = fakeContext({ info: async () => recordedInfo('info-vfs.json') });
    expect(await run(ctx, 'PHX-STORAGE-001')).toMatchObject([
      {
        check: 'PHX-STORAGE-001',
        severity: 'warning',
        evidence: { storageDriver: 'vfs' },
        hint: /driver = "overlay"/,
      },
    ]);
  });
});
