import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../test/read-fixture.ts';
import { infoSchema, toPodmanInfo } from './info.ts';
import {
  containersConfPaths,
  decideRemote,
  detectRemotePodman,
  engineRemote,
  type RemoteFacts,
  remoteSignal,
  versionReportsServer,
} from './remote-podman.ts';
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
    expect(remoteSignal({ CONTAINER_HOST: '' }, 'linux')).toBe('CONTAINER_HOST='); // podman 4.3: set at all
    expect(remoteSignal({}, 'linux')).toBeNull();
  });

  it.each([
    ['[engine]\nremote = true\n', true],
    ['[engine]\n  remote=false # local\n', false],
    ['[engine]\n#remote = true\n', undefined],
    ['[containers]\nremote = true\n[engine]\nruntime = "runc"\n', undefined],
    ['[engine.service_destinations.x]\nremote = true\n', undefined],
    ['engine.remote = true\n', true],
    ['[engine]\nremote = true\n[engine]\nremote = false\n', false],
    ['[engine]\nremote = "true"\n', null],
    ['[engine]\nactive_service = "machine"\n', undefined],
  ])('reads [engine] remote from %j as %s', (text, expected) => {
    expect(engineRemote(text)).toBe(expected);
  });

  const facts = (over: Partial<RemoteFacts>): RemoteFacts => ({
    env: {},
    platform: 'linux',
    binPath: '/usr/bin/podman',
    binIsScript: false,
    configs: [],
    ...over,
  });
  const conf = (path: string, remote: boolean) => ({ path, text: `[engine]\nremote = ${remote}\n` });
  it.each<[string, Partial<RemoteFacts>, ReturnType<typeof decideRemote>]>([
    ['a plain Linux podman', {}, { remote: false }],
    [
      'macOS',
      { platform: 'darwin' },
      { remote: true, reason: 'podman on darwin is a client of podman machine' },
    ],
    [
      'CONTAINER_HOST',
      { env: { CONTAINER_HOST: 'ssh://x' } },
      { remote: true, reason: 'CONTAINER_HOST=ssh://x' },
    ],
    ['no podman at all', { binPath: null }, { remote: false }],
    [
      'the podman-remote binary',
      { binPath: '/usr/bin/podman-remote-static' },
      { remote: true, reason: '/usr/bin/podman-remote-static is podman-remote' },
    ],
    [
      'remote = true in the user file',
      { configs: [conf('/etc/c.conf', false), conf('/home/u/c.conf', true)] },
      { remote: true, reason: '[engine] remote = true in /home/u/c.conf' },
    ],
    [
      'a later remote = false',
      { configs: [conf('/etc/c.conf', true), conf('/home/u/c.conf', false)] },
      { remote: false },
    ],
    ['a wrapper script', { binIsScript: true }, null],
    ['an unreadable remote value', { configs: [{ path: '/c', text: '[engine]\nremote = yes' }] }, null],
  ])('decides %s without podman version', (_, over, expected) => {
    expect(decideRemote(facts(over))).toEqual(expected);
  });

  it("lists podman's containers.conf files in its order", () => {
    expect(containersConfPaths({ HOME: '/home/u' }, 1001)).toEqual([
      '/usr/share/containers/containers.conf',
      '/usr/share/containers/containers.conf.d/',
      '/usr/share/containers/containers.rootless.conf.d/',
      '/usr/share/containers/containers.rootless.conf.d/1001/',
      '/etc/containers/containers.conf',
      '/etc/containers/containers.conf.d/',
      '/etc/containers/containers.rootless.conf.d/',
      '/etc/containers/containers.rootless.conf.d/1001/',
      '/home/u/.config/containers/containers.conf',
      '/home/u/.config/containers/containers.conf.d/',
    ]);
    expect(
      containersConfPaths({ CONTAINERS_CONF: '/c.conf', CONTAINERS_CONF_OVERRIDE: '/o.conf' }, 0),
    ).toEqual(['/c.conf', '/o.conf']);
  });

  it('takes remote = true in containers.conf as remote even when the service is down (podman version fails)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pa-remote-conf-'));
    const bin = join(dir, 'podman');
    await writeFile(bin, '\x7fELF not run: the files decide');
    await chmod(bin, 0o755);
    await writeFile(join(dir, 'containers.conf'), '[engine]\nremote = true\n');
    const env = { CONTAINERS_CONF: join(dir, 'containers.conf') };
    expect(await detectRemotePodman({ bin, env, platform: 'linux' })).toEqual({
      remote: true,
      reason: `[engine] remote = true in ${join(dir, 'containers.conf')}`,
    });
    await writeFile(join(dir, 'local.conf'), '[engine]\nremote = false\n');
    const local = { CONTAINERS_CONF: join(dir, 'local.conf') };
    expect(await detectRemotePodman({ bin, env: local, platform: 'linux' })).toEqual({ remote: false });
  });

  it('asks podman version once per process when only it can tell (a wrapper script)', async () => {
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
