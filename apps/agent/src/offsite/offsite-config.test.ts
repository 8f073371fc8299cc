import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from '@phoenix-hydra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { expectConfigRefused } from '../../test/config-refused.ts';
import { parseConfig } from '../config/load-config.ts';
import { offsiteTarget } from './offsite-target.ts';

const env = { HOME: '/home/u' };
const stack = (offsite?: Stack['offsite']): Stack => ({
  project: 'shop',
  baseDir: '/srv/shop',
  composeFile: '/srv/shop/compose.yaml',
  services: [],
  volumes: [],
  ...(offsite ? { offsite } : {}),
});
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('offsite in the agent config', () => {
  it('is off when absent; resolves a local repository and the password file against the config file', () => {
    expect(parseConfig('/etc/a.yaml', '', env).offsite).toBeUndefined();
    const config = parseConfig(
      '/etc/pv/a.yaml',
      'offsite:\n  afterBackup: true\n  repo: ./restic\n  passwordFile: ~/pass\n',
      env,
    );
    expect(config.offsite).toMatchObject({
      schedule: null,
      afterBackup: true,
      jitter: 600_000,
      repo: '/etc/pv/restic',
      passwordFile: '/home/u/pass',
    });
    const remote = parseConfig('/a.yaml', 'offsite: { schedule: "0 4 * * *", repo: "sftp:b@nas:/r" }', env);
    expect(remote.offsite?.repo).toBe('sftp:b@nas:/r');
  });

  it.each([
    ['offsite: { repo: /r, password: hunter2 }', /offsite\.password: the password never sits in the config/],
    ['offsite: { repo: /r }', /^\/a\.yaml:1:10: offsite: never runs: set a schedule, or afterBackup: true/],
    [
      'offsite: { afterBackup: true, passwordFile: /f, passwordEnv: P }',
      /set passwordFile or passwordEnv, not both/,
    ],
    [
      'offsite: { afterBackup: true, passwordEnv: "not a name" }',
      /offsite\.passwordEnv: an environment variable name/,
    ],
    ['offsite: { schedule: "61 * * * *" }', /offsite\.schedule: not a cron pattern/],
    ['offsite: { afterBackup: true, repo: "" }', /offsite\.repo/],
    ['offsite: { afterBackup: true, keep: 3 }', /offsite: .*"keep"|Unrecognized key.*keep/],
  ])('refuses %j', (text, message) => {
    expectConfigRefused(text, message);
  });
});

describe('the off-host target the agent and check-config both use', () => {
  const config = (yaml: string) => parseConfig('/a.yaml', `offsite: { afterBackup: true${yaml} }`, env);

  it('is null without an offsite section', async () => {
    expect(await offsiteTarget(parseConfig('/a.yaml', '', env), stack(), {})).toBeNull();
  });

  it('takes the compose file repository and its password source unless the config names its own', async () => {
    const withEnv = { REPO_PASS: 'x' };
    const fromStack = await offsiteTarget(
      config(''),
      stack({ repo: '/srv/r', passwordEnv: 'REPO_PASS' }),
      withEnv,
    );
    expect(fromStack?.access).toMatchObject({ repo: '/srv/r', passwordEnv: 'REPO_PASS' });
    const own = await offsiteTarget(
      config(', repo: "rest:http://u:secret@127.0.0.1:8000/", passwordEnv: MINE'),
      stack({ repo: '/srv/r', passwordEnv: 'REPO_PASS' }),
      { MINE: 'y' },
    );
    expect(own).toMatchObject({
      access: { repo: 'rest:http://u:secret@127.0.0.1:8000/', passwordEnv: 'MINE' },
      shown: 'rest:http://***@127.0.0.1:8000/',
    });
  });

  it('accepts an inherited RESTIC_PASSWORD_FILE or RESTIC_PASSWORD_COMMAND, and a readable password file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'offsite-target-'));
    dirs.push(dir);
    await writeFile(join(dir, 'pass'), 'p\n', { mode: 0o600 });
    await expect(
      offsiteTarget(config(', repo: /r'), stack(), { RESTIC_PASSWORD_COMMAND: 'pass show r' }),
    ).resolves.not.toBeNull();
    await expect(
      offsiteTarget(config(`, repo: /r, passwordFile: ${dir}/pass`), stack(), {}),
    ).resolves.not.toBeNull();
  });

  it.each([
    [
      '',
      {},
      /offsite: no repository: offsite\.repo is not set and \/srv\/shop\/compose\.yaml has no x-phoenix\.offsite\.repo/,
    ],
    [', repo: /r', {}, /offsite: no password source for \/r/],
    [
      ', repo: /r, passwordEnv: UNSET_PASS',
      {},
      /environment variable UNSET_PASS \(the password of \/r\) is not set/,
    ],
    [
      ', repo: /r, passwordFile: /nonexistent/pass',
      {},
      /cannot read the password file \/nonexistent\/pass of \/r/,
    ],
  ] as const)('refuses %j', async (yaml, processEnv, message) => {
    await expect(offsiteTarget(config(yaml), stack(), processEnv)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(message),
    });
  });
});
