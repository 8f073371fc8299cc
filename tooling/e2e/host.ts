import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

/** The unprivileged user e2e tests run as when started by root; created by prepare-host.sh. */
export const E2E_USER = 'phoenix-e2e';

/** The command that prepares the host, for error messages and hints. */
export const PREPARE_HOST_COMMAND = 'pnpm e2e:host';

/** The repository root (tooling/e2e/../..). */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** Images prepare-host.sh builds locally in the test user's storage; no registry is ever reachable. */
export const IMAGES = {
  /** Generic probe: sh, id, stat, tar, zstd, PostgreSQL 15 server and clients (on PATH), nginx. */
  probe: 'localhost/phoenix-hydra-test:latest',
  /** Stand-in for the official image: entrypoint initialises PGDATA as the container's uid. */
  postgres: 'docker.io/library/postgres:15',
  /** Stand-in for the official image: `user nginx` (101), conf.d, real log files. */
  nginx: 'docker.io/library/nginx:stable',
} as const;

/** The original design's compose file; podman-compose uses it unchanged (`postgres:15` resolves locally). */
export const FIXTURE_COMPOSE = join(import.meta.dirname, 'fixtures', 'podman-compose.yaml');

/** Where vitest keeps its cache when run as the test user (the repository is read-only to that user). */
export const VITEST_CACHE_DIR = '/tmp/phoenix-e2e-vitest-cache';

/** One account from /etc/passwd. */
export interface HostUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Reads NAME from /etc/passwd; undefined when the user does not exist. */
export function lookupUser(name: string): HostUser | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid, , home] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined && home !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid), home };
    }
  }
  return undefined;
}

/** Podman's runtime dir for a rootless user on this host: always /run/user/<uid> (see README.md). */
export function runtimeDir(uid: number): string {
  return `/run/user/${uid}`;
}

/**
 * The environment of a process running as USER: the caller's environment without root's XDG_* and
 * TMPDIR, plus HOME, XDG_RUNTIME_DIR and a PATH that starts with the repository's node_modules/.bin.
 */
export function testUserEnv(user: HostUser, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (!key.startsWith('XDG_') && key !== 'TMPDIR') env[key] = value;
  }
  return {
    ...env,
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    XDG_RUNTIME_DIR: runtimeDir(user.uid),
    PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin`,
  };
}

/** What a finished command left behind. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for run(). */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

// Harmless on this host (sandbox mount setup), but it would pollute parsed stderr.
const SHARED_MOUNT_WARNING = /^.*"\/" is not a shared mount.*\n?/gm;

/** Runs CMD ARGS without a shell and collects its output; never rejects on a non-zero exit. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? 128 + (signal === null ? 0 : constants.signals[signal]),
        stdout,
        stderr: stderr.replace(SHARED_MOUNT_WARNING, ''),
      });
    });
    // A command that exits without reading its input must not fail the run with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs a command as the test user: through runuser when this process is root, directly otherwise
 * (run-e2e.ts already made the test process that user, or a developer uses their own rootless podman).
 */
export function asTestUser(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  if (process.getuid?.() !== 0) return run(cmd, args, options);
  const user = lookupUser(E2E_USER);
  if (user === undefined) {
    return Promise.reject(new Error(`user ${E2E_USER} does not exist; run \`${PREPARE_HOST_COMMAND}\``));
  }
  return run('runuser', ['-u', user.name, '--', cmd, ...args], {
    ...options,
    cwd: options.cwd ?? user.home,
    env: testUserEnv(user, options.env),
  });
}

/** Podman as the test user (see asTestUser). */
export function podman(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return asTestUser('podman', args, options);
}

/**
 * `podman run` arguments for a throwaway container without network as postgres's 999:999, with `volume`
 * (`SOURCE:TARGET[:OPTIONS]`) mounted; `rest` is the image and its command, any further options before it.
 */
export function runAs999Args(volume: string, rest: readonly string[]): string[] {
  return ['run', '--rm', '--network', 'none', '--user', '999:999', '--volume', volume, ...rest];
}

/** A name no other test run uses at the same time (containers, volumes, compose projects). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}
