import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { wantsRepo, withRepo } from './repo-options.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A project directory whose compose file carries `xPhoenix` as its top-level x-phoenix (or none). */
async function project(xPhoenix?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'repo-options-'));
  dirs.push(dir);
  const head = xPhoenix === undefined ? '' : `x-phoenix: ${xPhoenix}\n`;
  await writeFile(
    join(dir, 'compose.yaml'),
    `${head}name: shop\nservices:\n  app:\n    image: busybox\n    volumes: [data:/data]\nvolumes:\n  data:\n`,
  );
  return dir;
}

describe('the off-host repository a command works on', () => {
  it('is local unless --repo or --offsite asks for a repository', () => {
    expect(wantsRepo({})).toBe(false);
    expect(wantsRepo({ offsite: true })).toBe(true);
    expect(wantsRepo({ repo: '/r' })).toBe(true);
  });

  it('--offsite takes the compose file repository and its password file, resolved beside the compose file', async () => {
    const cwd = await project('{ offsite: { repo: ./restic, passwordFile: pass.txt } }');
    expect(await withRepo({ cwd, offsite: true })).toMatchObject({
      repo: join(cwd, 'restic'),
      repoPasswordFile: join(cwd, 'pass.txt'),
    });
  });

  it('a password flag replaces the configured password source', async () => {
    const cwd = await project(
      '{ offsite: { repo: "sftp:backup@host:/srv/restic", passwordFile: pass.txt } }',
    );
    const options = await withRepo({ cwd, offsite: true, repoPasswordEnv: 'MY_PASS' });
    expect(options.repo).toBe('sftp:backup@host:/srv/restic');
    expect(options.repoPasswordEnv).toBe('MY_PASS');
    expect(options.repoPasswordFile).toBeUndefined();
  });

  it('--repo overrides the configured repository and its password source', async () => {
    const cwd = await project('{ offsite: { repo: /srv/restic, passwordEnv: CONFIGURED } }');
    const options = await withRepo({ cwd, offsite: true, repo: '/mnt/usb/restic' });
    expect(options.repo).toBe('/mnt/usb/restic');
    expect(options.repoPasswordEnv).toBeUndefined();
  });

  it('--offsite without a configured repository is a usage error naming the compose file and the fix', async () => {
    const cwd = await project();
    const error = await withRepo({ cwd, offsite: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'USAGE',
      message: `--offsite: no off-host repository is configured in ${join(cwd, 'compose.yaml')}`,
      hint: expect.stringContaining('--repo REPO'),
    });
  });
});
