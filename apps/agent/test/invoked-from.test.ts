// `pnpm phoenix-volumes-agent …` runs in the workspace root; pnpm passes the directory the user typed it
// in as INIT_CWD, and the agent works from there, as the CLI does: a relative --config is the user's file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../bin/phoenix-volumes-agent.js');
const ROOT = join(import.meta.dirname, '../../..');

function checkConfig(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [BIN, 'check-config', '--config', 'agent.yaml', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

describe('pnpm phoenix-volumes-agent from the user’s own directory', () => {
  it('reads a relative --config from the directory the user typed the command in', {
    timeout: 60_000,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'phx-agent-cwd-'));
    writeFileSync(join(dir, 'agent.yaml'), 'backup:\n  schedule: "15 4 * * *"\n');
    const fromPnpm = checkConfig({
      INIT_CWD: dir,
      npm_lifecycle_event: 'phoenix-volumes-agent',
      npm_package_name: 'phoenix-hydra-volumes',
    });
    expect(fromPnpm.status, fromPnpm.stderr).toBe(0);
    expect(JSON.parse(fromPnpm.stdout).config.backup.schedule).toBe('15 4 * * *');
    // Another script's INIT_CWD is not ours to follow.
    const other = checkConfig({ INIT_CWD: dir, npm_lifecycle_event: 'build', npm_package_name: 'other' });
    expect(other.status).not.toBe(0);
  });
});
