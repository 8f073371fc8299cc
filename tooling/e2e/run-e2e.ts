// `pnpm test:e2e`: runs the e2e vitest project with real rootless podman. As root it checks the host
// prepare-host.sh made, then re-runs vitest as the unprivileged test user; otherwise it runs vitest
// directly (a developer with their own rootless podman). Extra arguments go to vitest.
//
// `pnpm test:e2e --remote` runs the CLI's life-cycle files a second time as podman machine users
// (Windows, macOS) run it: see remote-mode.ts.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
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

function runVitest(runuserArgs: string[], vitestArgs: string[], env: NodeJS.ProcessEnv): void {
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
  });
}

const remote = process.argv.includes('--remote');
const userArgs = process.argv.slice(2).filter((arg) => arg !== '--remote');
const namedFiles = userArgs.filter((arg) => !arg.startsWith('-'));
const vitestOptions = userArgs.filter((arg) => arg.startsWith('-'));

/**
 * Remote mode: each file in a vitest of its own with a `podman system service` of its own, within a time
 * limit, and the test user's podman checked between files. podman 4.3's service can wedge the user's
 * podman (every command hangs on a lock); a wedge then fails that file with what held the lock, is cleared
 * by killing the service and its stuck podman processes, and cannot take the rest of the run or CI with it.
 */
async function runRemote(
  runuserArgs: string[],
  vitestArgs: string[],
  env: NodeJS.ProcessEnv,
  user: HostUser | undefined,
): Promise<number> {
  const files = namedFiles.length > 0 ? [] : REMOTE_FILES;
  const runs = files.length > 0 ? files.map((file) => [file]) : [namedFiles];
  const started = Date.now();
  const results: {
    files: string[];
    code: number;
    seconds: number;
    note: string;
    failures?: string | undefined;
  }[] = [];
  for (const run of runs) {
    if (Date.now() - started > REMOTE_BUDGET_MS) {
      results.push({ files: run, code: 1, seconds: 0, note: 'not run: the remote run used its time budget' });
      continue;
    }
    const t0 = Date.now();
    const mode = await startRemoteMode(env, user);
    const { code, failures } = await vitestOnce(runuserArgs, [...vitestArgs, ...run], {
      ...env,
      ...mode.env,
    });
    await mode.stop();
    const wedge = await clearWedge(user);
    const seconds = Math.round((Date.now() - t0) / 1000);
    results.push({ files: run, code, seconds, note: wedge, failures });
    if (stopping) break;
  }
  // The later files' output pushes a failure out of what CI keeps of the log: its report comes again last.
  for (const r of results.filter((x) => x.code !== 0 && x.failures !== undefined)) {
    process.stderr.write(`\nrun-e2e --remote: what failed in ${r.files.join(' ')}:\n${r.failures}\n`);
  }
  process.stderr.write('\nrun-e2e --remote:\n');
  for (const r of results) {
    const verdict = r.code !== 0 ? `FAILED (exit ${r.code})` : r.note === '' ? 'passed' : 'FAILED (wedge)';
    process.stderr.write(
      `  ${verdict.padEnd(18)} ${String(r.seconds).padStart(4)} s  ${r.files.join(' ')}${r.note === '' ? '' : `  — ${r.note}`}\n`,
    );
  }
  // A wedge fails the run even when the file passed and killing cleared it: users would be stuck there.
  return results.every((r) => r.code === 0 && r.note === '') && !stopping ? 0 : 1;
}

/** One file's vitest may take this long (the longest took ~4 min); then it is stopped and fails. */
const REMOTE_FILE_LIMIT_MS = 12 * 60_000;
/** The whole remote run (~15-18 min when clean) stops starting files after this. */
const REMOTE_BUDGET_MS = 40 * 60_000;
let stopping = false;
let current: ChildProcess | undefined;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {}
}

/** What of a failed file's output is printed again at the end: vitest's "Failed Tests" section, its tail. */
const FAILURE_REPORT_CHARS = 12_000;

/** The "Failed Tests" section of vitest's output (colours removed), at most its last FAILURE_REPORT_CHARS. */
function failureReport(output: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
  const plain = output.replaceAll(/\x1b\[[0-9;]*m/g, '');
  const start = plain.search(/^ *⎯+ Failed Tests? \d+ ⎯+/m);
  if (start < 0) return undefined;
  const end = plain.search(/^ +Test Files +/m);
  const section = plain.slice(start, end > start ? end : undefined).trimEnd();
  return section.length > FAILURE_REPORT_CHARS ? `…${section.slice(-FAILURE_REPORT_CHARS)}` : section;
}

/**
 * Runs one vitest in a process group of its own; past REMOTE_FILE_LIMIT_MS the group is stopped. Its output
 * goes through as it comes and is kept, so that a failure's report can be printed again at the end.
 */
function vitestOnce(
  runuserArgs: string[],
  vitestArgs: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; failures: string | undefined }> {
  const [cmd, ...args] = [...runuserArgs, VITEST, 'run', '--project', 'e2e', ...vitestArgs, ...vitestOptions];
  return new Promise((resolve) => {
    const child = spawn(cmd as string, args, {
      cwd: REPO_ROOT,
      env,
      stdio: ['inherit', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      output += chunk.toString('utf8');
    });
    current = child;
    const limit = setTimeout(() => {
      process.stderr.write(
        `run-e2e: ${vitestArgs.at(-1)} ran past ${REMOTE_FILE_LIMIT_MS / 60_000} min; stopping it\n`,
      );
      killGroup(child.pid as number, 'SIGTERM');
      setTimeout(() => killGroup(child.pid as number, 'SIGKILL'), 15_000).unref();
    }, REMOTE_FILE_LIMIT_MS);
    child.on('error', (error) => fail(`could not start ${cmd}: ${error.message}`));
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      current = undefined;
      const status = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
      resolve({ code: status, failures: status === 0 ? undefined : failureReport(output) });
    });
  });
}

/**
 * Whether the test user's podman answers (`podman info` within 30 s); if not, prints the user's podman
 * processes (what holds the lock), kills the stuck ones (a killed owner releases podman's lock) and checks
 * again. Returns '' when podman answered at once, else what was found and done.
 */
async function clearWedge(user: HostUser | undefined): Promise<string> {
  const asUser = (cmd: string, ...args: string[]) =>
    user === undefined
      ? run(cmd, args)
      : run('runuser', ['-u', user.name, '--', cmd, ...args], { cwd: user.home, env: testUserEnv(user) });
  const answers = async () =>
    (await asUser('timeout', '30', 'podman', 'info', '--format', '{{.Host.Arch}}')).code === 0;
  if (await answers()) return '';
  const uid = String(user?.uid ?? process.getuid?.());
  const listed = await run('ps', ['-u', uid, '-o', 'pid=,etimes=,args=']);
  const stuck = listed.stdout
    .split('\n')
    .filter((line) =>
      /podman .*(container cleanup|system service|volume |ps|info|inspect|stop|rm |run )/.test(line),
    );
  process.stderr.write(
    `run-e2e: the test user's podman is wedged (podman info hung 30 s); its podman processes:\n${stuck.join('\n')}\n`,
  );
  for (const line of stuck) {
    const pid = Number(line.trim().split(/\s+/)[0]);
    if (pid > 1) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const cleared = await answers();
  if (!cleared) {
    stopping = true;
    return `podman wedged; killing ${stuck.length} podman processes did not clear it: stopped the run`;
  }
  return `podman wedged after this file; cleared by killing ${stuck.length} podman processes`;
}

/** CI stops the run with SIGTERM: the running file's vitest (its whole group) stops and no further file starts. */
function onSigterm(): void {
  process.on('SIGTERM', () => {
    stopping = true;
    if (current?.pid !== undefined) killGroup(current.pid, 'SIGTERM');
  });
}

if (process.getuid?.() === 0) {
  const user = await checkHost(lookupUser(E2E_USER));
  // Nothing may write inside the repository: the default config loader (bundle) writes
  // node_modules/.vite-temp and the module cache lives in node_modules/.vitest-cache.
  const noRepoWrites = ['--configLoader', 'native', '--fsModuleCachePath', join(VITEST_CACHE_DIR, 'modules')];
  const env = { ...testUserEnv(user), VITEST_CACHE_DIR };
  if (remote) {
    onSigterm();
    process.exitCode = await runRemote(['runuser', '-u', user.name, '--'], noRepoWrites, env, user);
  } else {
    runVitest(['runuser', '-u', user.name, '--'], noRepoWrites, env);
  }
} else if (remote) {
  onSigterm();
  process.exitCode = await runRemote([], [], process.env, undefined);
} else {
  runVitest([], [], process.env);
}
