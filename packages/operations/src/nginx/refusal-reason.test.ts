import { readFileSync } from 'node:fs';
import { createFakePodman } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { refusalReason } from './refusal-reason.ts';

// Recorded on the e2e host: nginx as 101:101 reloaded with `listen 80` (official-like image logging to stderr).
const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8')
    .trimEnd()
    .split('\n');
const logged = fixture('nginx-reload-refused-bind.log');
const BIND = '[emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)';

describe('refusalReason', () => {
  it("quotes the master's own line logged after the reload", async () => {
    const podman = createFakePodman({ overrides: { logs: async () => logged } });
    expect(await refusalReason(podman, 'web', logged.slice(0, 6))).toBe(BIND);
  });

  it('asks nginx -t in the container when the log (a file, not stderr) has nothing new', async () => {
    const podman = createFakePodman({
      overrides: {
        logs: async () => logged.slice(0, 6),
        execText: async () => ({
          exitCode: 1,
          stdout: '',
          stderr: fixture('nginx-t-bind-nonroot.txt').join('\n'),
        }),
      },
    });
    expect(await refusalReason(podman, 'web', logged.slice(0, 6))).toBe(BIND);
    expect(podman.calls.find((c) => c.method === 'execText')?.args.slice(0, 2)).toEqual([
      'web',
      ['nginx', '-t'],
    ]);
  });

  it('is null when neither says why', async () => {
    const podman = createFakePodman({
      overrides: {
        logs: async () => [],
        execText: async () => ({
          exitCode: 0,
          stdout: '',
          stderr: 'nginx: configuration file test is successful',
        }),
      },
    });
    expect(await refusalReason(podman, 'web', [])).toBeNull();
  });
});
