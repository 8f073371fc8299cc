import { link, mkdir, mkdtemp, rm, statfs, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunOptions } from '@phoenix-hydra/podman-adapter';
import { localScriptPodman } from '@phoenix-hydra/podman-adapter/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockDeviceOf } from './block-device.ts';
import { parseRemoteScan, scanThroughHelper } from './scan-remote.ts';
import { scanTree } from './scan-tree.ts';

const HOSTILE = 'odd\nname $(touch pwned) `touch pwned2`; *.log';

let root = '';
let helpers: RunOptions[] = [];
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'phx-scan-'));
  helpers = [];
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const localHelperPodman = () => localScriptPodman(() => root, helpers);

describe('status through a helper container (the script run with the real sh)', () => {
  it('counts what a local scan counts: bytes, inodes, first-level entries, hard links once, hostile names as data', async () => {
    await mkdir(join(root, 'base/1'), { recursive: true });
    for (let i = 0; i < 300; i++) await writeFile(join(root, 'base/1', `f${i}`), 'x'.repeat(i * 7));
    await writeFile(join(root, 'pg_control'), 'c'.repeat(8192));
    // Inside one first-level entry: which name of a hard link counts first follows the walk's order.
    await link(join(root, 'base/1/f1'), join(root, 'base/hard'));
    await symlink('/etc/passwd', join(root, 'link'));
    await mkdir(join(root, HOSTILE));
    await writeFile(join(root, HOSTILE, 'inside'), 'h'.repeat(100));
    const since = Date.now() - 60_000;
    const old = new Date(since - 10_000);
    await utimes(join(root, 'pg_control'), old, old);
    for (let i = 3; i < 300; i++) await utimes(join(root, 'base/1', `f${i}`), old, old);

    const remote = await scanThroughHelper(localHelperPodman(), 'postgres:15', 'mac_db_data', { since });
    const local = scanTree(root, { since });
    expect(remote.usage.bytes).toBe(local.bytes);
    expect(remote.usage.files).toBe(local.files);
    expect(remote.usage.top).toEqual(local.top);
    expect(remote.usage.changedCount).toBe(local.changedCount);
    expect(remote.usage.changed.map((c) => c.path).sort()).toEqual(local.changed.map((c) => c.path).sort());
    expect(helpers[0]).toMatchObject({
      user: '0:0',
      mounts: [{ source: 'mac_db_data', target: '/v', options: ['ro'] }],
    });

    const st = await statfs(root);
    expect(remote.filesystem.sizeBytes).toBe(st.blocks * st.bsize);
    expect(remote.filesystem.files).toBe(st.files);
    const device = await blockDeviceOf(root);
    expect(remote.device).toMatchObject({
      virtual: device.virtual,
      major: device.major,
      minor: device.minor,
    });
    if (!device.virtual) expect(remote.stats).toMatchObject({ name: device.name });
  });

  it("names the volume's device from diskstats, as a rootless container's /sys/dev/block is empty", () => {
    const out = [
      'fs 4096 1000 500 400 64000 60000',
      `ds  254       0 vda 10 0 80 5 20 0 160 7 0 12 12 0 0 0 0 0 0`,
      'mnt 102 101 254:0 /home/ana /v ro,relatime - ext4 /dev/vda rw',
      'B 1',
      `4096 2 7 ${254 * 256} 1764300000 41ed`,
      `H ${Buffer.from('.\0').toString('hex')}`,
      'done',
    ].join('\n');
    const scan = parseRemoteScan(out, '/v');
    expect(scan.device).toEqual({
      virtual: false,
      major: 254,
      minor: 0,
      name: 'vda',
      fstype: 'ext4',
      mountPoint: '/v',
    });
    expect(scan.stats).toMatchObject({ readBytes: 80 * 512, writtenBytes: 160 * 512 });
    expect(scan.filesystem).toEqual({
      sizeBytes: 1000 * 4096,
      usedBytes: 500 * 4096,
      availBytes: 400 * 4096,
      files: 64000,
      filesFree: 60000,
    });
    expect(scan.usage).toMatchObject({ bytes: 4096, files: 1 });
  });

  it('refuses output the script cannot have printed, and a listing cut short', () => {
    expect(() => parseRemoteScan('fs 4096 1 1 1 1 1\nrm -rf /\ndone\n', '/v')).toThrow(
      /unexpected status helper output/,
    );
    expect(() => parseRemoteScan('fs 4096 1 1 1 1 1\n', '/v')).toThrow(/stopped before it listed/);
  });
});
