// The README's front door, as a new non-root user walks through it: a fresh clone, the set-up commands of
// README.md's "Set up and run" block run verbatim (no root, no global install), then `phoenix-volumes`
// found on PATH by a login shell, run in the directory that holds the design's compose file. Runs as the
// e2e user with a minimal login-like environment; pnpm and npx use that user's own caches and the npm
// registry. PHOENIX_E2E_CLONE_FROM (default: this repository) lets a README change be tried before it lands.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { designCompose, repoRoot } from '@phoenix-hydra/e2e/cli-harness';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../tooling/e2e/host.ts';

const home = homedir();
const launcher = join(home, '.local', 'bin', 'phoenix-volumes');
const env = {
  HOME: home,
  USER: userInfo().username,
  LOGNAME: userInfo().username,
  LANG: 'C.UTF-8',
  PATH: '/usr/local/bin:/usr/bin:/bin',
  ...(process.env.XDG_RUNTIME_DIR === undefined ? {} : { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR }),
};
let work = '';

/** The set-up lines of README.md's first sh block under "Set up and run": those before the CLI's own use. */
function readmeSetupLines(readme: string): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Set up and run')) ?? '';
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const lines = block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  const firstUse = lines.findIndex((line) => /(^|[\s;&])phoenix-volumes\s/.test(line.replace(/\s#.*$/, '')));
  return firstUse === -1 ? lines : lines.slice(0, firstUse);
}

afterAll(async () => {
  // The launcher this test wrote points into the clone removed below: take it away with it.
  const text = await readFile(launcher, 'utf8').catch(() => '');
  if (work !== '' && text.includes(work)) await rm(launcher, { force: true });
  if (work !== '') await rm(work, { recursive: true, force: true });
});

describe("README's set-up on a fresh clone, as a non-root user", () => {
  it('puts phoenix-volumes on PATH, and it reads the compose file of the directory it runs in', async () => {
    expect(process.getuid?.()).not.toBe(0);
    work = await mkdtemp(join(tmpdir(), 'phx-front-door-'));
    const clone = join(work, 'phoenix-hydra-volumes');
    // Only the user's own global git config may trust a repository another user owns (git 2.39).
    await writeFile(join(work, 'gitconfig'), '[safe]\n\tdirectory = *\n');
    const cloned = await run('git', ['clone', '-q', process.env.PHOENIX_E2E_CLONE_FROM ?? repoRoot, clone], {
      env: { ...env, GIT_CONFIG_GLOBAL: join(work, 'gitconfig') },
    });
    expect(cloned.code, cloned.stderr).toBe(0);

    const lines = readmeSetupLines(await readFile(join(clone, 'README.md'), 'utf8'));
    expect(lines.length, 'README.md has a set-up block').toBeGreaterThan(0);
    const started = Date.now();
    for (const line of lines) {
      const r = await run('sh', ['-c', line], { cwd: clone, env });
      expect(r.code, `${line}\n${r.stdout}${r.stderr}`).toBe(0);
    }
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`front door: README set-up took ${seconds.toFixed(1)} s: ${lines.join(' ; ')}\n`);

    const app = join(work, 'phoenix-hydra');
    await mkdir(app);
    await cp(designCompose, join(app, 'podman-compose.yaml'));
    // A new login: Debian's ~/.profile puts ~/.local/bin on PATH once it exists.
    const used = await run('bash', ['-lc', 'command -v phoenix-volumes && phoenix-volumes config'], {
      cwd: app,
      env,
    });
    expect(used.code, used.stderr).toBe(0);
    expect(used.stdout.split('\n')[0]).toBe(launcher);
    expect(used.stderr.split('\n')[0]).toBe(`phoenix-hydra from ${join(app, 'podman-compose.yaml')}`);
    expect(used.stdout).toMatch(new RegExp(`^compose file  ${join(app, 'podman-compose.yaml')}$`, 'm'));
    expect(used.stdout).toMatch(/^db_data\s+database\s/m);
  });
});
