import { describe, expect, it } from 'vitest';
import { runHelperScript } from './helper-script.ts';
import { createFakePodman } from './testing.ts';

describe('runHelperScript', () => {
  it('passes the arguments as "$@" data after the fixed script, as root of the namespace, with only the mounts given', async () => {
    const calls: unknown[] = [];
    const podman = createFakePodman({
      overrides: {
        run: async (image, argv, options) => {
          calls.push({ image, argv, options });
          return { exitCode: 0, stdout: '', stderr: '' };
        },
      },
    });
    const hostile = '$(touch /tmp/x); rm -rf /';
    await runHelperScript(podman, 'img', 'ls -- "$1"', [hostile], {
      mounts: [{ source: 'p_logs', target: '/v', options: ['ro'] }],
    });
    await runHelperScript(podman, 'img', 'true', [], { mounts: [], timeoutMs: 5000 });
    expect(calls).toEqual([
      {
        image: 'img',
        argv: ['-c', 'ls -- "$1"', 'sh', hostile],
        options: {
          user: '0:0',
          entrypoint: 'sh',
          mounts: [{ source: 'p_logs', target: '/v', options: ['ro'] }],
        },
      },
      {
        image: 'img',
        argv: ['-c', 'true', 'sh'],
        options: { user: '0:0', entrypoint: 'sh', mounts: [], timeoutMs: 5000 },
      },
    ]);
  });
});
