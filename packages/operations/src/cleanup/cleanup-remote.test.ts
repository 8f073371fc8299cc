import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from '@phoenix-hydra/core';
import { createFakePodman } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { applyCleanup } from './cleanup.ts';
import { byParent, parseMeasure } from './cleanup-remote.ts';

const hex = (s: string) => Buffer.from(s).toString('hex');
const volumes = [
  { name: 'db_data', dirName: 'db_data' },
  { name: 'logs', dirName: 'logs' },
];

describe('parseMeasure', () => {
  it('reads each volume directory (or its absence) in order, then the copies restore left beside them', () => {
    const lines = ['d 40 12', 'm', `l 4 2 ${hex('db_data.pre-restore-20261128T101010Z')}`];
    expect(parseMeasure(volumes, '/home/u/.local/share/p', lines)).toEqual({
      sizes: [{ bytes: 40960, files: 12 }, null],
      leftovers: [
        {
          volume: 'db_data',
          kind: 'restore-leftover',
          path: '/home/u/.local/share/p/db_data.pre-restore-20261128T101010Z',
          bytes: 4096,
          files: 2,
          namedVolume: null,
        },
      ],
    });
  });

  it('refuses output the script cannot have printed: a short list, a name of no volume, a path with a slash', () => {
    expect(() => parseMeasure(volumes, '/b', ['d 1 1'])).toThrow(/unexpected cleanup helper output/);
    expect(() => parseMeasure(volumes, '/b', ['m', 'm', `l 1 1 ${hex('other.pre-restore-1')}`])).toThrow(
      /unexpected/,
    );
    expect(() => parseMeasure(volumes, '/b', ['m', 'm', `l 1 1 ${hex('logs./../x')}`])).toThrow(/unexpected/);
    expect(() => parseMeasure(volumes, '/b', ['d 1; rm 1', 'm'])).toThrow(/unexpected/);
  });
});

describe('byParent', () => {
  const stack = { project: 'p' } as Parameters<typeof byParent>[0];
  it('groups volume directories by the directory holding them, with its path on the machine (C:\\ -> /mnt/c)', () => {
    const paths = ['C:\\Users\\u\\p\\db_data', 'C:\\Users\\u\\p\\logs', 'D:\\data\\nginx_config'];
    expect(byParent(stack, paths, 'win32')).toEqual(
      new Map([
        ['C:\\Users\\u\\p', { machine: '/mnt/c/Users/u/p', names: ['db_data', 'logs'] }],
        ['D:\\data', { machine: '/mnt/d/data', names: ['nginx_config'] }],
      ]),
    );
    expect(byParent(stack, ['/home/u/p/db_data'], 'linux')).toEqual(
      new Map([['/home/u/p', { machine: '/home/u/p', names: ['db_data'] }]]),
    );
  });

  it('refuses what is no volume directory on the machine', () => {
    expect(() => byParent(stack, ['/'], 'linux')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => byParent(stack, ['\\\\server\\share\\x'], 'win32')).toThrow(
      expect.objectContaining({ code: 'USAGE' }),
    );
  });
});

describe('applyCleanup through a remote podman', () => {
  it("removes the emptied base directory on the machine through a helper, never this computer's path", async () => {
    const root = await mkdtemp(join(tmpdir(), 'phx-cleanup-remote-'));
    const baseDir = join(root, 'p');
    await mkdir(baseDir);
    const runs: { argv: readonly string[]; mounts: unknown }[] = [];
    const podman = createFakePodman({
      overrides: {
        remote: async () => ({ remote: true, reason: 'CONTAINER_HOST=unix:///x' }),
        run: async (_image, argv, o) => {
          runs.push({ argv, mounts: o?.mounts });
          return { exitCode: 0, stdout: 'done\n', stderr: '' };
        },
      },
    });
    const stack = {
      project: 'p',
      baseDir,
      volumes: [{ name: 'db_data', hostPath: join(baseDir, 'db_data'), services: ['db'] }],
      services: [{ name: 'db', image: 'postgres:15' }],
    } as unknown as Stack;
    try {
      await applyCleanup(podman, { items: [], users: [], baseDir, remote: stack }, { stop: false });
      expect(runs.map((r) => [r.argv.slice(3), r.mounts])).toEqual([
        [['rmdir', 'p'], [{ source: root, target: '/p' }]],
      ]);
      expect(await readdir(root)).toEqual(['p']); // the helper's job on the machine, not a local rmdir
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
