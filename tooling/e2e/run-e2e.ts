// `pnpm test:e2e`: runs the e2e vitest project with real rootless podman. As root it checks the host
// prepare-host.sh made, then re-runs vitest as the unprivileged test user; otherwise it runs vitest
// directly (a developer with their own rootless podman). Extra arguments go to vitest.
//
// `pnpm test:e2e --remote` runs the CLI's life-cycle files a second time as podman machine users
// (Windows, macOS) run it: see remote-mode.ts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { HostUser } from './host.ts';
import {
  E2E_USER,
  IMAGES,
  lookupUser,
  PREPARE_HOST_COMMAND,
  REPO_ROOT,
  run,
  runtimeDir,
  testUserEnv,
  VITEST_CACHE_DIR,
} from './host.ts';
import { REMOTE_FILES, startRemoteMode } from './remote-mode.ts';

const VITEST = join(REPO_ROOT, 'node_modules', '.bin', 'vitest');

function fail(message: string): never {
  process.stderr.write(`run-e2e: ${message}\n`);
  process.exit(1);
}

// What prepare-host.sh guarantees: the user, its runtime dir, the images, a repository it can read.
async function checkHost(user: HostUser | undefined): Promise<HostUser> {
  const prepare = `the e2e host is not prepared; run \`${PREPARE_HOST_COMMAND}\` (bash tooling/e2e/prepare-host.sh) as root`;
  if (user === undefined) fail(`user ${E2E_USER} does not exist: ${prepare}`);
  if (!existsSync(runtimeDir(user.uid))) fail(`${runtimeDir(user.uid)} is missing: ${prepare}`);
  const asUser = (cmd: string, ...args: string[]) =>
    run('runuser', ['-u', user.name, '--', cmd, ...args], { cwd: user.home, env: testUserEnv(user) });
  const images = await asUser('podman', 'image', 'inspect', '--format', '{{.Id}}', ...Object.values(IMAGES));
  if (images.code !== 0) {
    fail(`test images missing in ${E2E_USER}'s storage (${Object.values(IMAGES).join(', ')}): ${prepare}`);
  }
  const readable = await asUser('test', '-r', join(REPO_ROOT, 'vitest.config.ts'), '-a', '-x', VITEST);
  if (readable.code !== 0) {
    fail(
      `${E2E_USER} cannot read ${REPO_ROOT} (vitest.config.ts, node_modules/.bin/vitest); ` +
        'every directory on the way must be world-executable and files world-readable (e.g. chmod o+rX)',
    );
  }
  warnUnreadable(user);
  return user;
}

// Tracked files the test user cannot read (pnpm writes pnpm-lock.yaml 0600): tests that need them will fail.
function warnUnreadable(user: HostUser): void {
  const listed = spawnSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (listed.status !== 0) return;
  const unreadable = listed.stdout
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(REPO_ROOT, file)))
    .filter((file) => (statSync(join(REPO_ROOT, file)).mode & 0o004) === 0);
  if (unreadable.length > 0) {
    process.stderr.write(
      `run-e2e: warning: ${user.name} cannot read ${unreadable.join(', ')} (not world-readable; chmod o+r to fix)\n`,
    );
  }
}

function runVitest(
  runuserArgs: string[],
  vitestArgs: string[],
  env: NodeJS.ProcessEnv,
  onExit: () => Promise<void> = async () => {},
): void {
  const vitest = [VITEST, 'run', '--project', 'e2e', ...vitestArgs, ...userArgs];
  const [cmd, ...args] = [...runuserArgs, ...vitest];
  if (cmd === undefined) return;
  const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: 'inherit' });
  // Ctrl-C already reaches vitest through the terminal's process group; SIGTERM (CI) must be passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('error', (error) => fail(`could not start ${cmd}: ${error.message}`));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
    void onExit();
  });
}

const remote = process.argv.includes('--remote');
const userArgs = process.argv.slice(2).filter((arg) => arg !== '--remote');
// In remote mode only the files of the CLI's life cycle run, unless files are named.
const remoteFiles = remote && !userArgs.some((arg) => !arg.startsWith('-')) ? REMOTE_FILES : [];

if (process.getuid?.() === 0) {
  const user = await checkHost(lookupUser(E2E_USER));
  // Nothing may write inside the repository: the default config loader (bundle) writes
  // node_modules/.vite-temp and the module cache lives in node_modules/.vitest-cache.
  const noRepoWrites = ['--configLoader', 'native', '--fsModuleCachePath', join(VITEST_CACHE_DIR, 'modules')];
  const env = { ...testUserEnv(user), VITEST_CACHE_DIR };
  const mode = remote ? await startRemoteMode(env, user) : undefined;
  runVitest(
    ['runuser', '-u', user.name, '--'],
    [...noRepoWrites, ...remoteFiles],
    { ...env, ...mode?.env },
    async () => mode?.stop(),
  );
} else {
  const mode = remote ? await startRemoteMode(process.env) : undefined;
  runVitest([], remoteFiles, { ...process.env, ...mode?.env }, async () => mode?.stop());
}
