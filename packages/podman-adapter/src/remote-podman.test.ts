import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../test/read-fixture.ts';
import { infoSchema, toPodmanInfo } from './info.ts';
import { detectRemotePodman, remoteSignal, versionReportsServer } from './remote-podman.ts';
import { parseOutput } from './runner.ts';

// A stand-in podman that prints a recorded `podman version` and counts its calls in a file.
async function fakePodmanBin(versionJson: string): Promise<{ bin: string; calls: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pa-remote-'));
  const bin = join(dir, 'podman');
  const calls = join(dir, 'calls');
  await writeFile(join(dir, 'version.json'), versionJson);
  await writeFile(bin, `#!/bin/sh\necho "$*" >>'${calls}'\ncat '${dir}/version.json'\n`);
  await chmod(bin, 0o755);
  return { bin, calls };
}

describe('remote podman detection (recorded podman 4.3.1, local and with CONTAINER_HOST)', () => {
  it('reads a Server in podman version as a remote client, a Client alone as local', () => {
    expect(versionReportsServer(readFixture('version-remote.json'))).toBe(true);
    expect(versionReportsServer(readFixture('version-local.json'))).toBe(false);
    expect(versionReportsServer('Error: something else')).toBeNull();
  });

  it('knows without asking podman on macOS, Windows and with CONTAINER_HOST or CONTAINER_CONNECTION', () => {
    expect(remoteSignal({}, 'darwin')).toMatch(/darwin is a client of podman machine/);
    expect(remoteSignal({}, 'win32')).toMatch(/win32/);
    expect(remoteSignal({ CONTAINER_HOST: 'unix:///run/x.sock' }, 'linux')).toBe(
      'CONTAINER_HOST=unix:///run/x.sock',
    );
    expect(remoteSignal({ CONTAINER_CONNECTION: 'machine' }, 'linux')).toBe('CONTAINER_CONNECTION=machine');
    expect(remoteSignal({}, 'linux')).toBeNull();
  });

  it('asks podman version once per process when nothing else tells', async () => {
    const { bin, calls } = await fakePodmanBin(readFixture('version-remote.json'));
    const first = await detectRemotePodman({ bin, env: {}, platform: 'linux' });
    const second = await detectRemotePodman({ bin, env: {}, platform: 'linux' });
    expect(first).toEqual({ remote: true, reason: `${bin} version reports a server (a remote client)` });
    expect(second).toBe(first);
    expect((await readFile(calls, 'utf8')).trim().split('\n')).toEqual(['version --format json']);
  });

  it('counts a local podman, and one that cannot be run, as local', async () => {
    const { bin } = await fakePodmanBin(readFixture('version-local.json'));
    expect(await detectRemotePodman({ bin, env: {}, platform: 'linux' })).toEqual({ remote: false });
    expect(await detectRemotePodman({ bin: '/nonexistent/podman', env: {}, platform: 'linux' })).toEqual({
      remote: false,
    });
  });

  it("takes the machine's id maps from remote podman info", () => {
    const info = toPodmanInfo(parseOutput(['podman', 'info'], readFixture('info-remote.json'), infoSchema));
    expect(info.rootless).toBe(true);
    expect(info.uidMappings).toEqual([
      { containerId: 0, hostId: 1001, size: 1 },
      { containerId: 1, hostId: 100000, size: 65536 },
    ]);
    expect(info.gidMappings).toEqual(info.uidMappings);
  });
});
