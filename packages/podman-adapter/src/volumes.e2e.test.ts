import { existsSync } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_IMAGE, requireRootless, tempDir, uniqueName } from '../test/e2e-host.ts';
import { toHostId } from './id-mapping.ts';
import type { PodmanInfo } from './info.ts';
import { createPodman } from './podman.ts';
import { readSubidMappings } from './subid.ts';

const podman = createPodman();
const volumes: string[] = [];
const dirs: string[] = [];
let info: PodmanInfo;

beforeAll(async () => {
  requireRootless();
  info = await podman.info();
});

afterAll(async () => {
  for (const name of volumes) await podman.volumeRm(name, { force: true }).catch(() => undefined);
  for (const dir of dirs) await podman.unshare.rmrf(dir);
  for (const dir of dirs) expect(existsSync(dir)).toBe(false);
});

describe('info', () => {
  it('reports rootless podman whose id maps match /etc/subuid and /etc/subgid', async () => {
    expect(info.rootless).toBe(true);
    expect(info.version).toMatch(/^\d+\.\d+/);
    const fromFiles = await readSubidMappings();
    expect(info.uidMappings).toEqual(fromFiles.uidMappings);
    expect(info.gidMappings).toEqual(fromFiles.gidMappings);
  });
});

describe('bind-backed volumes', () => {
  it('creates, lists, inspects and removes a volume bound to a host directory', async () => {
    const dir = await tempDir('vol');
    dirs.push(dir);
    const name = uniqueName('vol');
    volumes.push(name);
    const created = await podman.volumeCreate(name, {
      device: dir,
      labels: { 'io.podman.compose.project': name },
    });
    expect(created).toMatchObject({
      name,
      driver: 'local',
      device: dir,
      options: { type: 'none', o: 'bind' },
    });
    expect(await podman.volumeInspect(name)).toEqual(created);
    const listed = await podman.volumeLs({ filters: { label: `io.podman.compose.project=${name}` } });
    expect(listed.map((v) => v.name)).toEqual([name]);

    await podman.volumeRm(name);
    expect(await podman.volumeInspect(name)).toBeNull();
    expect(existsSync(dir)).toBe(true);
  });

  it('rejects removing a volume that does not exist with podman’s message', async () => {
    await expect(podman.volumeRm(uniqueName('absent'))).rejects.toMatchObject({
      code: 'PODMAN_FAILED',
      details: { exitCode: expect.any(Number), stderr: expect.stringMatching(/no such volume/) },
    });
  });

  it('exports a volume to a tar stream and imports it into another, keeping container-side owners', async () => {
    const dir = await tempDir('export');
    dirs.push(dir);
    await writeFile(join(dir, 'pg.conf'), 'max_connections = 20\n');
    await podman.unshare.chown([dir], { uid: 999, gid: 999 }, { recursive: true });
    const source = uniqueName('src');
    const target = uniqueName('dst');
    volumes.push(source, target);
    await podman.volumeCreate(source, { device: dir });
    const targetDir = await tempDir('import');
    dirs.push(targetDir);
    await podman.volumeCreate(target, { device: targetDir });

    await podman.volumeImport(target, podman.volumeExport(source));
    const [copied] = await podman.unshare.stat([join(targetDir, 'pg.conf')]);
    expect(copied).toMatchObject({ uid: 999, gid: 999, size: 21, type: 'file' });
  });

  it('fails an export of an unknown volume through the stream', async () => {
    const chunks = (async () => {
      for await (const _ of podman.volumeExport(uniqueName('absent'))) {
        // nothing arrives
      }
    })();
    await expect(chunks).rejects.toMatchObject({ code: 'PODMAN_FAILED' });
  });

  it('rejects an import whose tar stream is not a tar archive', async () => {
    const dir = await tempDir('badtar');
    dirs.push(dir);
    const name = uniqueName('badtar');
    volumes.push(name);
    await podman.volumeCreate(name, { device: dir });
    await expect(podman.volumeImport(name, Readable.from([Buffer.from('not a tar')]))).rejects.toMatchObject({
      code: 'PODMAN_FAILED',
    });
  });
});

describe('unshare', () => {
  it('chowns to 999:999: 999 inside the namespace, subuid start + 998 on the host', async () => {
    const dir = await tempDir('chown');
    dirs.push(dir);
    await podman.unshare.mkdir(join(dir, 'data'), 0o700);
    await writeFile(join(dir, 'data', 'PG_VERSION'), '15\n');
    await podman.unshare.chown([join(dir, 'data')], { uid: 999, gid: 999 }, { recursive: true });

    const inside = await podman.unshare.stat([join(dir, 'data'), join(dir, 'data', 'PG_VERSION')]);
    expect(inside).toEqual([
      {
        path: join(dir, 'data'),
        uid: 999,
        gid: 999,
        mode: 0o700,
        type: 'directory',
        size: expect.any(Number),
      },
      { path: join(dir, 'data', 'PG_VERSION'), uid: 999, gid: 999, mode: 0o644, type: 'file', size: 3 },
    ]);
    const onHost = await stat(join(dir, 'data'));
    expect(onHost.uid).toBe(toHostId(999, info.uidMappings));
    expect(onHost.gid).toBe(toHostId(999, info.gidMappings));
    expect(onHost.uid).toBe((info.uidMappings[1]?.hostId ?? Number.NaN) + 998);

    // The host user is now locked out of its own tree; only the namespace can change or remove it.
    await expect(rm(join(dir, 'data'), { recursive: true })).rejects.toMatchObject({ code: 'EACCES' });
    await podman.unshare.chmod([join(dir, 'data')], 0o750);
    expect((await podman.unshare.stat([join(dir, 'data')]))[0]?.mode).toBe(0o750);
    expect(await podman.unshare.du(join(dir, 'data'))).toEqual({ bytes: expect.any(Number), files: 2 });
    await podman.unshare.rmrf(join(dir, 'data'));
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('reports a missing path as PODMAN_FAILED carrying stat’s stderr', async () => {
    await expect(podman.unshare.stat(['/nonexistent/pa-e2e'])).rejects.toMatchObject({
      code: 'PODMAN_FAILED',
      details: { stderr: expect.stringContaining('No such file or directory') },
    });
  });
});

describe('probe containers', () => {
  it('returns the exit code of a 999:999 probe: denied on a host-owned 0700 dir, allowed after chown', async () => {
    const dir = await tempDir('probe');
    dirs.push(dir);
    const probe = () =>
      podman.run(PROBE_IMAGE, ['sh', '-c', 'touch /data/probe && stat -c %u:%g /data/probe'], {
        user: { uid: 999, gid: 999 },
        mounts: [{ source: dir, target: '/data' }],
      });
    const denied = await probe();
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr).toContain('Permission denied');

    await podman.unshare.chown([dir], { uid: 999, gid: 999 });
    expect(await probe()).toMatchObject({ exitCode: 0, stdout: '999:999\n' });
  });

  it('throws PODMAN_FAILED when podman itself cannot run the probe', async () => {
    await expect(podman.run('localhost/pa-e2e-no-such-image:latest', ['true'])).rejects.toMatchObject({
      code: 'PODMAN_FAILED',
      details: { exitCode: 125 },
    });
  });

  it('times out a hung probe and removes its container', async () => {
    const label = uniqueName('hung');
    await expect(
      podman.run(PROBE_IMAGE, ['sleep', '60'], { timeoutMs: 2000, labels: { 'pa-e2e': label } }),
    ).rejects.toMatchObject({ code: 'PODMAN_TIMEOUT' });
    expect(await podman.ps({ all: true })).not.toContainEqual(
      expect.objectContaining({ labels: expect.objectContaining({ 'pa-e2e': label }) }),
    );
  });
});

describe('composeDetect', () => {
  it('finds podman-compose and its version', async () => {
    expect(await podman.composeDetect()).toEqual({
      kind: 'podman-compose',
      command: ['podman-compose'],
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
  });
});
