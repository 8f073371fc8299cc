import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectConfigRefused } from '../../test/config-refused.ts';
import { checkVolumeNames, loadConfig, parseConfig } from './load-config.ts';

const env = { HOME: '/home/u' };
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-config-'));
  dirs.push(dir);
  return dir;
}

const webhook = (headers: string) =>
  `hooks:\n  - name: w\n    webhook:\n      url: "http://127.0.0.1:9/x"\n      headers: ${headers}\n`;

describe('check-config refuses what would break the running agent', () => {
  it.each([
    ['monitor:\n  interval: 0s\n', /^\/a\.yaml:2:13: monitor\.interval: must be more than 0/],
    [
      'backup:\n  maxAge: 25d\n',
      /^\/a\.yaml:2:11: backup\.maxAge: "25d" is longer than the 24 days a timer can wait/,
    ],
    ['prune:\n  jitter: 2147484s\n', /prune\.jitter: "2147484s" is longer than/],
    ['hooks:\n  - name: c\n    command: [x]\n    timeout: 0\n', /hooks\[0\]\.timeout: must be more than 0/],
    ['metrics:\n  listen: 127.0.0.1:70000\n', /metrics\.listen: port 70000 is outside 1-65535/],
    ['metrics:\n  listen: 127.0.0.1:0\n', /metrics\.listen: port 0 is outside 1-65535/],
    ['metrics:\n  listen: 999.1.1.1:9469\n', /metrics\.listen: 999\.1\.1\.1 is not an IPv4 address/],
    ['metrics:\n  listen: "[zz::1]:9469"\n', /metrics\.listen: \[zz::1\] is not an IPv6 address/],
    ['metrics:\n  listen: "-bad-.host:9469"\n', /is not a host name or IP address/],
    [
      webhook('{ "X-Evil\\r\\nHost": a }'),
      /hooks\[0\]\.webhook\.headers\["X-Evil\\r\\nHost"\]: not an HTTP header name/,
    ],
    [
      webhook('{ X-Ok: "a\\r\\nHost: evil" }'),
      /hooks\[0\]\.webhook\.headers\.X-Ok: a header value holds no CR, LF/,
    ],
    ['prune:\n  keep: {}\n', /^\/a\.yaml:2:9: prune\.keep: keeps nothing/],
    ['prune:\n  keep: { daily: 0 }\n', /prune\.keep: keeps nothing/],
  ])('%j', (text, message) => {
    expectConfigRefused(text, message);
  });

  it('still accepts what the agent can run: 24 days, [::1], a host name, 0s jitter', () => {
    const text = [
      'backup: { maxAge: 24d, jitter: 0s }',
      'metrics: { listen: "[::1]:9469" }',
      'monitor: { interval: 500ms }',
    ].join('\n');
    const config = parseConfig('/a.yaml', text, env);
    expect(config.backup.maxAge).toBe(24 * 86_400_000);
    expect(config.backup.jitter).toBe(0);
    expect(parseConfig('/a.yaml', 'metrics: { listen: "metrics.internal:9469" }', env).metrics.listen).toBe(
      'metrics.internal:9469',
    );
  });

  it('names an unknown volume in backup.volumes or thresholds.maxUsed at its line', async () => {
    const dir = await tempDir();
    const file = join(dir, 'agent.yaml');
    await writeFile(file, 'backup:\n  volumes: [db_data, dbdata]\n');
    const config = parseConfig(file, 'backup:\n  volumes: [db_data, dbdata]\n', env);
    const error = await checkVolumeNames(file, config, ['db_data', 'logs']).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', exitCode: 2 });
    expect((error as Error).message).toBe(
      `${file}:2:22: backup.volumes[1]: the stack has no volume "dbdata"`,
    );
    await expect(checkVolumeNames(file, config, ['db_data', 'dbdata'])).resolves.toBeUndefined();
    // The default maxUsed.logs is not the user's mistake when the stack has no logs volume.
    await expect(
      checkVolumeNames(null, parseConfig('/x.yaml', '', env), ['db_data']),
    ).resolves.toBeUndefined();
  });

  it('a FIFO or /dev/urandom as config is refused at once, not read', async () => {
    const dir = await tempDir();
    execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
    const started = performance.now();
    const error = await loadConfig(join(dir, 'fifo.yaml'), env).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', exitCode: 2 });
    expect((error as Error).message).toBe(
      `config file ${join(dir, 'fifo.yaml')} is a FIFO, not a regular file`,
    );
    await expect(loadConfig('/dev/urandom', env)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
