// What status costs in podman round trips (issue 17): the containers are listed and inspected once, for
// the volumes' users and the services' states alike (each podman process is ~50 ms here).
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createFakePodman, fakeContainer, fakeVolume } from '@phoenix-hydra/podman-adapter/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { statusCommand } from '../src/commands/status.ts';
import { tempDirs } from './temp-dirs.ts';

const tempDir = tempDirs('phx-status-calls-');

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('status podman round trips', () => {
  it('lists and inspects the containers once, whatever the number of services', async () => {
    const cwd = await tempDir();
    vi.stubEnv('XDG_STATE_HOME', join(cwd, 'state'));
    const baseDir = join(cwd, 'base');
    const podman = createFakePodman({
      volumes: [fakeVolume('phoenix-hydra_db_data', join(baseDir, 'db_data'))],
      containers: [
        fakeContainer('phoenix-hydra_db_1', { project: 'phoenix-hydra', service: 'db' }),
        fakeContainer('phoenix-hydra_nginx_1', { project: 'phoenix-hydra', service: 'nginx' }),
      ],
    });
    const stdout = new PassThrough();
    const lines: string[] = [];
    stdout.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const code = await statusCommand({
      cwd,
      baseDir,
      podman,
      stdout,
      stderr: new PassThrough(),
      json: true,
      backupDir: join(cwd, 'backups'),
    });
    expect(code).toBe(0);
    const status = JSON.parse(lines.join(''));
    // Both services still show their containers.
    expect(status.services.map((s: { container: string | null }) => s.container).sort()).toEqual([
      'phoenix-hydra_db_1',
      'phoenix-hydra_nginx_1',
    ]);
    const calls = podman.calls.map((c) => c.method);
    expect(calls.filter((m) => m === 'inspectAllContainers')).toHaveLength(1);
    // Before: one more `podman ps` and a `podman container inspect` per service container.
    expect(calls.filter((m) => m === 'ps' || m === 'inspectContainer')).toEqual([]);
  });
});
