import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { text } from 'node:stream/consumers';
import { createFakePodman, fakeVolume } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { lsCommand } from '../src/commands/ls.ts';
import { tempDirs } from './temp-dirs.ts';

const tempDir = tempDirs('phx-inject-');

describe('commands take an injected podman', () => {
  it('ls marks a volume whose data lives in podman storage instead of the base directory', async () => {
    const cwd = await tempDir();
    const baseDir = join(cwd, 'base');
    const podman = createFakePodman({
      volumes: [
        fakeVolume('phoenix-hydra_db_data'), // dropped bind options: podman's own storage
        fakeVolume('phoenix-hydra_logs', join(baseDir, 'logs')),
      ],
      overrides: {
        info: async () => {
          throw new Error('not needed');
        },
      },
    });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const code = await lsCommand({ cwd, baseDir, json: true, podman, stdout, stderr });
    stdout.end();
    stderr.end();
    const out = JSON.parse(await text(stdout));
    expect(code).toBe(1);
    const db = out.volumes.find((v: { name: string }) => v.name === 'db_data');
    const logs = out.volumes.find((v: { name: string }) => v.name === 'logs');
    expect(db.differences.map((d: { message: string }) => d.message).join()).toMatch(
      /podman.s own storage|_data/,
    );
    // logs is bound where the spec says (its directory is simply not created yet): no podman difference.
    expect(logs.differences.map((d: { field: string }) => d.field)).toEqual(['directory']);
  });
});
