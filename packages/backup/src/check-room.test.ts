import { PhoenixError } from '@phoenix-hydra/errors';
import { describe, expect, it } from 'vitest';
import type { ManifestVolume } from './manifest.ts';
import { checkRoom, type RestoreFileSystems } from './restore.ts';

const volume = (name: string, bytes: number) => ({ name, bytes, entries: 10 }) as unknown as ManifestVolume;

describe('checkRoom on file systems it is given (a podman machine seen through a helper)', () => {
  it('adds up the volumes of one file system and refuses before anything is written, naming the free space', async () => {
    const machine: RestoreFileSystems = { device: async () => 'fs1', freeBytes: async () => 300 * 1024 ** 2 };
    const items = [
      { volume: volume('db_data', 200 * 1024 ** 2), target: '/var/home/core/phx/db_data' },
      { volume: volume('logs', 200 * 1024 ** 2), target: '/var/home/core/phx/logs' },
    ];
    await expect(checkRoom(items, machine)).rejects.toThrow(
      /^not enough room to restore db_data, logs: it expands to 400\.0 MiB .*300\.0 MiB free; nothing was changed$/,
    );
    await expect(checkRoom(items.slice(0, 1), machine)).resolves.toBeUndefined();
  });

  it('names a missing directory, and passes on what the view itself reports', async () => {
    const missing: RestoreFileSystems = {
      device: async (dir) => Promise.reject(new Error(`${dir}: ENOENT`)),
      freeBytes: async () => 0,
    };
    const items = [{ volume: volume('logs', 1), target: '/nowhere/logs' }];
    await expect(checkRoom(items, missing)).rejects.toThrow('cannot restore logs: /nowhere does not exist');
    const broken: RestoreFileSystems = {
      device: async () => Promise.reject(new PhoenixError('PODMAN_FAILED', 'helper did not start')),
      freeBytes: async () => 0,
    };
    await expect(checkRoom(items, broken)).rejects.toThrow('helper did not start');
  });
});
