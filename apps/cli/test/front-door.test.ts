// The front door: the CLI run the ways the README says, from the user's own directory. Through pnpm in the
// clone (`pnpm -C CLONE phoenix-volumes …`, INIT_CWD) and through the launcher `pnpm setup-cli` writes, the
// compose file and relative paths are the user's; the first line on stderr says which stack and file.
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, designProjectDir, repoRoot } from '@phoenix-hydra/e2e/cli-harness';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { installLauncher } from '../src/launcher.ts';

const empty = () => mkdtemp(join(tmpdir(), 'phx-front-'));
/** What pnpm passes a root script run from DIR (fact 9 of the host notes). */
const throughPnpm = (dir: string) => ({
  INIT_CWD: dir,
  npm_lifecycle_event: 'phoenix-volumes',
  npm_package_name: 'phoenix-hydra-volumes',
});

describe('through pnpm in the clone', () => {
  it('reads the compose file of the directory the user typed the command in (real pnpm -C CLONE)', async () => {
    const dir = await designProjectDir();
    const r = await execa('pnpm', ['--silent', '-C', repoRoot, 'phoenix-volumes', 'config', '--json'], {
      cwd: dir,
      reject: false,
      env: { HOME: '/home/alice', XDG_DATA_HOME: '' },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      source: 'compose',
      stack: { project: 'phoenix-hydra', composeFile: join(dir, 'podman-compose.yaml') },
    });
    expect(r.stderr.split('\n')[0]).toBe(`phoenix-hydra from ${join(dir, 'podman-compose.yaml')}`);
  });

  it('resolves a relative --compose against that directory, not the clone', async () => {
    const dir = await designProjectDir();
    const r = await cli(['config', '--json', '--compose', 'podman-compose.yaml'], {
      cwd: repoRoot,
      env: throughPnpm(dir),
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).stack.composeFile).toBe(join(dir, 'podman-compose.yaml'));
  });

  it('names the path it looked for and the --compose flag when that file is missing', async () => {
    const dir = await empty();
    const r = await cli(['config', '--compose', 'podman-compose.yaml'], {
      cwd: repoRoot,
      env: throughPnpm(dir),
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`compose file ${join(dir, 'podman-compose.yaml')} does not exist`);
    expect(r.stderr).toMatch(/^hint: check the path given to --compose/m);
    expect(r.stderr).not.toContain('--file');
  });

  it('says out loud when it falls back to the built-in stack, and where it looked', async () => {
    const dir = await empty();
    for (const args of [['config'], ['config', '--json'], ['ls', '--json']]) {
      const r = await cli(args, { cwd: repoRoot, env: { ...throughPnpm(dir), HOME: dir } });
      expect(r.stderr.split('\n')[0], args.join(' ')).toBe(
        `phoenix-hydra: no compose file in ${dir} — using the built-in Phoenix Hydra stack (pass --compose FILE)`,
      );
      expect(r.stdout).not.toContain('no compose file');
    }
  });

  it("ignores another project's INIT_CWD (our script did not start it)", async () => {
    const dir = await designProjectDir();
    const cwd = await empty();
    const r = await cli(['config', '--json'], {
      cwd,
      env: { ...throughPnpm(dir), npm_lifecycle_event: 'test', npm_package_name: 'someone-else' },
    });
    expect(JSON.parse(r.stdout).source).toBe('default');
  });
});

describe('the launcher pnpm setup-cli writes', () => {
  it('is 0755 and runs the CLI with the bundled Node from the directory holding the compose file, via PATH', async () => {
    const home = await empty();
    const binDir = join(home, '.local', 'bin');
    const installed = await installLauncher({
      root: repoRoot,
      env: { HOME: home, PATH: '/usr/bin:/bin' },
      nodeVersion: process.versions.node,
    });
    expect(installed).toMatchObject({ path: join(binDir, 'phoenix-volumes'), onPath: false });
    expect((await stat(installed.path)).mode & 0o777).toBe(0o755);

    const dir = await designProjectDir();
    const r = await execa('phoenix-volumes', ['config', '--json'], {
      cwd: dir,
      reject: false,
      env: { HOME: home, PATH: `${binDir}:/usr/bin:/bin` },
      extendEnv: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).stack.composeFile).toBe(join(dir, 'podman-compose.yaml'));
    expect(r.stderr.split('\n')[0]).toBe(`phoenix-hydra from ${join(dir, 'podman-compose.yaml')}`);

    const again = await installLauncher({
      root: repoRoot,
      env: { HOME: home, PATH: `${binDir}:/usr/bin` },
      nodeVersion: process.versions.node,
    });
    expect(again.onPath).toBe(true); // its own launcher is replaced without asking
  });

  it('refuses to replace a phoenix-volumes it did not write', async () => {
    const binDir = await empty();
    await writeFile(join(binDir, 'phoenix-volumes'), '#!/bin/sh\necho mine\n');
    await expect(
      installLauncher({ root: repoRoot, binDir, env: {}, nodeVersion: process.versions.node }),
    ).rejects.toThrow(/exists and is not a launcher written by pnpm setup-cli/);
    expect(await readFile(join(binDir, 'phoenix-volumes'), 'utf8')).toBe('#!/bin/sh\necho mine\n');
  });
});
