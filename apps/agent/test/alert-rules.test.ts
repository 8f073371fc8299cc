// The Prometheus alert rules shipped in alerts/: valid, and each alert fires (and stays quiet) as its
// rules test file says. Needs promtool (Debian package `prometheus`, installed by tooling/e2e/prepare-host.sh).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const alerts = join(import.meta.dirname, '../alerts');
const promtool = spawnSync('promtool', ['--version']).status === 0;

describe.skipIf(!promtool)('alert rules (promtool)', () => {
  it('are valid rules', () => {
    const result = spawnSync('promtool', ['check', 'rules', 'phoenix-volumes.rules.yml'], {
      cwd: alerts,
      encoding: 'utf8',
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: 10 rules found/);
  });

  it('pass their unit tests: filling disk, stale and missing (off-host) backups, failing checks and hooks', () => {
    const result = spawnSync('promtool', ['test', 'rules', 'phoenix-volumes.rules.test.yml'], {
      cwd: alerts,
      encoding: 'utf8',
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS/);
  }, 120_000); // 2.4 s alone; promtool evaluates 27 h of series per case and took 19 s under turbo's parallel load
});

it.runIf(!promtool)('alert rules are not tested: promtool is missing (apt-get install prometheus)', () => {
  expect(promtool).toBe(false);
});
