import { createFakePodman } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { nginxWorkers, publishedUrl, urlOf } from './health.ts';

describe('nginx health helpers', () => {
  it("finds the worker pids among the container's processes", async () => {
    const processes = async () => [
      { pid: 1, args: 'nginx: master process nginx -g daemon off;' },
      { pid: 7, args: 'nginx: worker process' },
      { pid: 8, args: 'nginx: worker process' },
    ];
    expect(await nginxWorkers(createFakePodman({ overrides: { processes } }), 'c')).toEqual([7, 8]);
    expect(
      await nginxWorkers(createFakePodman({ overrides: { processes: async () => null } }), 'c'),
    ).toBeNull();
  });

  it('reaches a wildcard binding on 127.0.0.1 and brackets IPv6', async () => {
    const publishedPort = async () => ({ hostIp: '0.0.0.0', hostPort: 18099 });
    expect(await publishedUrl(createFakePodman({ overrides: { publishedPort } }), 'c')).toBe(
      'http://127.0.0.1:18099',
    );
    expect(urlOf({ hostIp: '192.0.2.7', hostPort: 8443 })).toBe('http://192.0.2.7:8443');
    expect(urlOf({ hostIp: 'fd00::1', hostPort: 80 })).toBe('http://[fd00::1]:80');
  });
});
