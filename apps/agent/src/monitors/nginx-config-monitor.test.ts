import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultStack, type PhoenixEvent } from '@phoenix-hydra/core';
import { createFakePodman } from '@phoenix-hydra/podman-adapter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/event-bus.ts';
import { createLogger } from '../logger.ts';
import { NginxConfigMonitor } from './nginx-config-monitor.ts';

let base = '';
afterEach(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describe('nginx config monitor', () => {
  it('validates a change as the service runs: its user and its log volume, not as the image default (root)', async () => {
    base = await mkdtemp(join(tmpdir(), 'phx-ngx-mon-'));
    const stack = defaultStack({ project: 'ngxmon', baseDir: base });
    // The design's nginx service: user "101:101".
    stack.services = stack.services.map((s) =>
      s.name === 'nginx' ? { ...s, user: { uid: 101, gid: 101 } } : s,
    );
    await mkdir(join(base, 'logs'));
    const volume = stack.volumes.find((v) => v.name === 'nginx_config');
    if (!volume) throw new Error('no nginx_config');
    const runs: { argv: readonly string[]; user: unknown; mounts: readonly { target: string }[] }[] = [];
    const podman = createFakePodman({
      overrides: {
        run: async (_image, argv, options) => {
          runs.push({ argv, user: options?.user, mounts: options?.mounts ?? [] });
          return {
            exitCode: 1,
            stdout: '',
            stderr: 'nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)',
          };
        },
      },
    });
    const events: PhoenixEvent[] = [];
    const bus = createEventBus(createLogger('silent'));
    bus.subscribe((e) => events.push(e));
    const monitor = new NginxConfigMonitor({
      stack,
      volume,
      podman,
      bus,
      log: createLogger('silent'),
      debounceMs: 1,
      validate: true,
      selinux: false,
    });
    monitor.changed('default.conf');
    await new Promise((r) => setTimeout(r, 20));
    await monitor.stop();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ argv: ['nginx', '-t'], user: '101:101' });
    expect(runs[0]?.mounts.map((m) => m.target)).toEqual(['/etc/nginx/conf.d', '/var/log/nginx']);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'config.changed',
        valid: false,
        message: expect.stringMatching(/bind\(\)/),
      }),
    ]);
  });
});
