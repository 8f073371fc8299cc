import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultStack } from '@phoenix-hydra/core';
import type { RunOptions } from '@phoenix-hydra/podman-adapter';
import { createFakePodman } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { nginxRunAs, testNginxConfig } from './test-config.ts';

// Recorded on the e2e host: `nginx -t` of a `listen 80` server as 101:101 (host notes, fact 7).
const BIND_AS_101 = new URL('../../test/fixtures/nginx-t-bind-nonroot.txt', import.meta.url);

async function stackWithNginxAs101() {
  const baseDir = await mkdtemp(join(tmpdir(), 'phx-ngx-'));
  await mkdir(join(baseDir, 'logs'));
  const stack = defaultStack({ project: 'phx', baseDir });
  const nginx = stack.services.find((s) => s.name === 'nginx');
  if (!nginx) throw new Error('no nginx service');
  nginx.user = { uid: 101, gid: 101 };
  const spec = stack.volumes.find((v) => v.name === 'nginx_config');
  if (!spec) throw new Error('no nginx_config');
  return { stack, spec, baseDir };
}

describe('nginx -t as the service runs', () => {
  it("runs as the service's declared user with its log volume, and names the fix for a privileged port", async () => {
    const { stack, spec, baseDir } = await stackWithNginxAs101();
    const output = await readFile(BIND_AS_101, 'utf8');
    let seen: RunOptions | undefined;
    const podman = createFakePodman({
      overrides: {
        run: async (_image, _argv, options) => {
          seen = options;
          return { exitCode: 1, stdout: '', stderr: output };
        },
      },
    });
    const runAs = await nginxRunAs(stack, spec);
    const result = await testNginxConfig(podman, 'nginx:stable', spec.hostPath, { runAs });
    expect(seen?.user).toBe('101:101');
    expect(seen?.mounts).toEqual([
      { source: spec.hostPath, target: '/etc/nginx/conf.d', options: ['ro'] },
      { source: join(baseDir, 'logs'), target: '/var/log/nginx', options: [] },
    ]);
    expect(result.ok).toBe(false);
    expect(result.messages[0]?.message).toBe('bind() to 0.0.0.0:80 failed (13: Permission denied)');
    expect(result.hint).toMatch(/^listen on 8080 in the server block/);
  });

  it('leaves the user to the image when the service declares none', async () => {
    const stack = defaultStack({ project: 'phx', baseDir: '/nonexistent/phx' });
    const spec = stack.volumes.find((v) => v.name === 'nginx_config');
    if (!spec) throw new Error('no nginx_config');
    expect(await nginxRunAs(stack, spec)).toEqual({ mounts: [] });
  });

  it('runs as a user given by name (user: nginx), which podman resolves in the image', async () => {
    const stack = defaultStack({ project: 'phx', baseDir: '/nonexistent/phx' });
    const spec = stack.volumes.find((v) => v.name === 'nginx_config');
    const nginx = stack.services.find((s) => s.name === 'nginx');
    if (!spec || !nginx) throw new Error('no nginx');
    nginx.userName = 'nginx';
    expect(await nginxRunAs(stack, spec)).toEqual({ user: 'nginx', mounts: [] });
  });
});
