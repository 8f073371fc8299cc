import { describe, expect, it } from 'vitest';
import { parseConfig } from './load-config.ts';

const env = { HOME: '/home/u', HOOK_SECRET: 's3cret' };

describe('parseConfig', () => {
  it('gives a working agent from an empty file: every default filled in', () => {
    const config = parseConfig('/etc/agent.yaml', '', env);
    expect(config.backup.schedule).toBe('0 3 * * *');
    expect(config.backup.maxAge).toBe(26 * 3_600_000);
    expect(config.thresholds.minAvail).toEqual({ database: 10e9, default: 1e9 });
    expect(config.thresholds.maxUsed).toEqual({ logs: 1024 ** 3 });
    expect(config.thresholds.hysteresis).toBe(0.1);
    expect(config.metrics.listen).toBe('127.0.0.1:9469');
    expect(config.prune.keep).toEqual({ last: 7, daily: 7, weekly: 4, monthly: 6 });
  });

  it('reads units, resolves paths against the config file and ~', () => {
    const config = parseConfig(
      '/srv/phx/agent.yaml',
      [
        'stack: { compose: ./podman-compose.yaml, baseDir: ~/data }',
        'backup: { dir: backups, jitter: 90s, schedule: null }',
        'thresholds: { minFreeInodes: 2%, minAvail: { default: 64MiB } }',
      ].join('\n'),
      env,
    );
    expect(config.stack).toEqual({ compose: '/srv/phx/podman-compose.yaml', baseDir: '/home/u/data' });
    expect(config.backup.dir).toBe('/srv/phx/backups');
    expect(config.backup.jitter).toBe(90_000);
    expect(config.backup.schedule).toBeNull();
    expect(config.thresholds.minFreeInodes).toBe(0.02);
    expect(config.thresholds.minAvail.default).toBe(64 * 1024 ** 2);
  });

  it('names file, line and path of a bad value', () => {
    const text = 'backup:\n  schedule: "0 3 * *"\n';
    expect(() => parseConfig('/a.yaml', text, env)).toThrow(
      /^\/a\.yaml:2:13: backup\.schedule: not a cron pattern/,
    );
  });

  it('names an unknown key where it is written', () => {
    expect(() => parseConfig('/a.yaml', 'monitor:\n  interval: 5s\n  intervall: 5s\n', env)).toThrow(
      /^\/a\.yaml:3:\d+: monitor\.intervall: Unrecognized key/,
    );
  });

  it('reports malformed YAML with its position and CONFIG_INVALID', () => {
    try {
      parseConfig('/a.yaml', 'hooks: [\n', env);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', exitCode: 2 });
      expect((error as Error).message).toMatch(/^\/a\.yaml:\d+:\d+: /);
    }
  });

  it('validates hooks: command xor webhook, known event types, secret present', () => {
    expect(() => parseConfig('/a.yaml', 'hooks:\n  - name: x\n', env)).toThrow(
      /either `command` or `webhook`/,
    );
    expect(() =>
      parseConfig('/a.yaml', 'hooks:\n  - name: x\n    events: [disk.full]\n    command: [true]\n', env),
    ).toThrow(/^\/a\.yaml:3:14: hooks\[0\]\.events\[0\]/);
    const webhook = 'hooks:\n  - name: w\n    webhook: { url: "http://127.0.0.1:9/x", secretEnv: MISSING }\n';
    expect(() => parseConfig('/a.yaml', webhook, env)).toThrow(/MISSING is not set/);
    const ok = parseConfig('/a.yaml', webhook.replace('MISSING', 'HOOK_SECRET'), env);
    expect(ok.hooks[0]?.webhook).toMatchObject({ retries: 5, backoff: 1000, queue: 100 });
    expect(ok.hooks[0]?.events).toEqual(['*']);
  });

  it("takes a command hook's `env:` allowlist of variable names, and refuses it on a webhook", () => {
    const command = 'hooks:\n  - name: c\n    command: [notify]\n    env: [SLACK_TOKEN, HTTPS_PROXY]\n';
    expect(parseConfig('/a.yaml', command, env).hooks[0]?.env).toEqual(['SLACK_TOKEN', 'HTTPS_PROXY']);
    expect(() => parseConfig('/a.yaml', command.replace('SLACK_TOKEN', 'SLACK TOKEN'), env)).toThrow(
      /^\/a\.yaml:4:11: hooks\[0\]\.env\[0\]: an environment variable name/,
    );
    const webhook = 'hooks:\n  - name: w\n    webhook: { url: "http://127.0.0.1:9/x" }\n    env: [A]\n';
    expect(() => parseConfig('/a.yaml', webhook, env)).toThrow(
      /hooks\[0\]\.env: `env` passes variables to a command hook/,
    );
  });
});

describe('the example config', () => {
  it('is valid and spells out the defaults', async () => {
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const file = join(import.meta.dirname, '../../phoenix-volumes-agent.example.yaml');
    const config = parseConfig(file, await readFile(file, 'utf8'), env);
    const defaults = parseConfig('/x.yaml', '', env);
    expect(config.hooks.map((h) => h.name)).toEqual(['notify']);
    expect(config.stack.compose).toBe('/home/u/phoenix-hydra/podman-compose.yaml');
    expect({ ...config, hooks: [], stack: {} }).toEqual({ ...defaults, hooks: [], stack: {} });
  });
});
