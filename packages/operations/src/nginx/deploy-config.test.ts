import { readFileSync } from 'node:fs';
import { defaultStack } from '@phoenix-hydra/core';
import { parseNginxTest } from '@phoenix-hydra/diagnostics';
import { describe, expect, it } from 'vitest';
import { invalidConfigError, nginxConfigVolume, nginxImage, sourceOf, timeTag } from './deploy-config.ts';

describe('nginx deploy helpers', () => {
  const stack = defaultStack({ project: 'phx', baseDir: '/srv/phx' });

  it("finds the configuration volume and the nginx service's image", () => {
    const spec = nginxConfigVolume(stack);
    expect(spec.name).toBe('nginx_config');
    expect(nginxImage(stack, spec)).toBe('nginx:stable');
  });

  it('refuses a stack without a volume on /etc/nginx/conf.d, naming the volumes it has', () => {
    const bare = { ...stack, volumes: stack.volumes.filter((v) => v.name !== 'nginx_config') };
    expect(() => nginxConfigVolume(bare)).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        hint: expect.stringMatching(/db_data \(\/var\/lib\/postgresql\/data\)/),
      }),
    );
  });

  it("reports nginx's own message (recorded nginx -t) against the user's file, not the container's path", () => {
    const output = readFileSync(
      new URL('../../test/fixtures/nginx-t-unexpected-brace.txt', import.meta.url),
      'utf8',
    );
    const test = { ok: false, exitCode: 1, output, messages: parseNginxTest(output) };
    const error = invalidConfigError(test, 'site/default.conf', (p) =>
      sourceOf(p, 'site/default.conf', false),
    );
    expect(error.message).toBe('nginx -t rejected site/default.conf: unexpected "}" in site/default.conf:5');
    expect(error.exitCode).toBe(1);
    expect(error.details.nginx).toMatch(/test failed/);
  });

  it('maps conf.d paths back into a deployed directory and leaves other paths alone', () => {
    expect(sourceOf('/etc/nginx/conf.d/a/b.conf', '/home/u/conf', true)).toBe('/home/u/conf/a/b.conf');
    expect(sourceOf('/etc/nginx/conf.d/other.conf', '/home/u/site.conf', false)).toBe(
      '/etc/nginx/conf.d/other.conf',
    );
    expect(sourceOf('/etc/nginx/nginx.conf', '/home/u/conf', true)).toBe('/etc/nginx/nginx.conf');
  });

  it('tags staged and kept configurations so they sort by time', () => {
    expect(timeTag(new Date('2026-11-25T20:38:33.890Z'))).toBe('20261125T203833890Z');
  });
});
