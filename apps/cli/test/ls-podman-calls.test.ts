// What ls costs in podman round trips (issue 17): each is a podman process (~50 ms here), so ls asks for
// every named volume in one `podman volume inspect` and lists the containers beside it.
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createFakePodman, fakeContainer, fakeVolume } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { lsCommand } from '../src/commands/ls.ts';
import { tempDirs } from './temp-dirs.ts';

const tempDir = tempDirs('phx-ls-calls-');

describe('ls podman round trips', () => {
  it('asks podman twice whatever the number of volumes: one volume inspect for all, one container listing', async () => {
    const cwd = await tempDir();
    const baseDir = join(cwd, 'base');
    const podman = createFakePodman({
      volumes: [
        fakeVolume('phoenix-hydra_db_data', join(baseDir, 'db_data')),
        fakeVolume('phoenix-hydra_logs', join(baseDir, 'logs')),
      ],
      containers: [fakeContainer('phoenix-hydra_db_1', { project: 'phoenix-hydra', service: 'db' })],
    });
    const stdout = new PassThrough();
    const lines: string[] = [];
    stdout.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    await lsCommand({ cwd, baseDir, podman, stdout, stderr: new PassThrough() });
    // The table still shows all three volumes, nginx_config missing in podman.
    expect(lines.join('')).toMatch(/phoenix-hydra_nginx_config \(missing\)/);
    const calls = podman.calls.filter((c) => c.method !== 'remote').map((c) => c.method);
    expect(calls.sort()).toEqual(['inspectAllContainers', 'volumesInspect']);
    expect(podman.calls.find((c) => c.method === 'volumesInspect')?.args).toEqual([
      ['phoenix-hydra_db_data', 'phoenix-hydra_nginx_config', 'phoenix-hydra_logs'],
    ]);
  });
});
