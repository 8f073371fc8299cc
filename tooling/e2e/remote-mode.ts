// `pnpm test:e2e --remote`: the CLI's life cycle a second time, as podman machine users (Windows,
// macOS) run it. The test user's rootless podman is served by `podman system service` on a socket, and
// the CLI alone gets
//   - CONTAINER_HOST=unix://<socket>, so its podman is a remote client;
//   - a `podman` first on PATH that refuses any `podman unshare`, so nothing falls back to it quietly;
//   - no /etc/subuid and /etc/subgid (PHOENIX_SUBUID_FILE / PHOENIX_SUBGID_FILE point nowhere).
// The test process itself keeps the local podman for its own setup and assertions (same storage), so the
// same test files run unchanged in both modes. cli-harness.ts reads PHOENIX_E2E_CLI_ENV.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { HostUser } from './host.ts';

/**
 * The files of the CLI's life cycle: setup → compose up → check → doctor (also on twelve failing services)
 * → backup → restore → deploy → cleanup, kill -9 included. Not here: signals.e2e (it asserts the local
 * process tree node → podman unshare → node), adopt (remote-adopt.e2e) and offsite (refused remotely:
 * remote-podman.e2e), the agent (runs on Linux hosts) and the packages' own e2e files (no CLI).
 */
export const REMOTE_FILES = [
  'apps/cli/test/design-stack.e2e.test.ts',
  'apps/cli/test/setup-check-cleanup.e2e.test.ts',
  'apps/cli/test/doctor.e2e.test.ts',
  'apps/cli/test/doctor-containers.e2e.test.ts',
  'apps/cli/test/backup-restore.e2e.test.ts',
  'apps/cli/test/restore-guards.e2e.test.ts',
  'apps/cli/test/pg-discovery.e2e.test.ts',
  'apps/cli/test/nginx-nonroot.e2e.test.ts',
  'apps/cli/test/ops.e2e.test.ts',
  'apps/cli/test/kill-backup.e2e.test.ts',
  'apps/cli/test/kill-deploy.e2e.test.ts',
];

/** The environment variable carrying the CLI's extra environment (JSON) to the test files. */
export const CLI_ENV_VARIABLE = 'PHOENIX_E2E_CLI_ENV';

export interface RemoteMode {
  /** What vitest gets: CLI_ENV_VARIABLE. */
  env: Record<string, string>;
  /** Stops the service and removes the socket and the wrapper. */
  stop(): Promise<void>;
}

function which(command: string, path: string | undefined): string {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, command))) return join(dir, command);
  }
  throw new Error(`run-e2e --remote: ${command} is not on PATH`);
}

/** Starts the service as USER (through runuser when this process is root) and writes the wrapper. */
export async function startRemoteMode(env: NodeJS.ProcessEnv, user?: HostUser): Promise<RemoteMode> {
  const podman = which('podman', env.PATH);
  const dir = mkdtempSync('/tmp/phoenix-e2e-remote-');
  chmodSync(dir, 0o755);
  const socket = join(dir, 'podman.sock');
  const bin = join(dir, 'bin');
  const wrapper = join(bin, 'podman');
  mkdirSync(bin, { mode: 0o755 });
  writeFileSync(
    wrapper,
    `#!/bin/sh\nif [ "$1" = unshare ]; then echo "e2e remote mode: podman unshare refused (podman machine has none)" >&2; exit 125; fi\nexec ${podman} "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  if (user !== undefined) {
    // The test user creates the socket: its directory must be writable by that user alone.
    chownSync(dir, user.uid, user.gid);
  }
  const serve = [podman, 'system', 'service', '--time=0', `unix://${socket}`];
  const [cmd, ...args] = user === undefined ? serve : ['runuser', '-u', user.name, '--', ...serve];
  const service: ChildProcess = spawn(cmd as string, args, { env, stdio: 'ignore', detached: true });
  const stop = async () => {
    if (service.exitCode === null && service.pid !== undefined) {
      const pid = service.pid;
      const exited = new Promise((resolve) => service.once('exit', resolve));
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(-pid, name);
        } catch {}
      };
      signal('SIGTERM');
      // A wedged service does not stop on SIGTERM; killing it also releases the locks it holds.
      const kill = setTimeout(() => signal('SIGKILL'), 10_000);
      await exited;
      clearTimeout(kill);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 200 && !existsSync(socket); i++) {
    if (service.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!existsSync(socket)) {
    await stop();
    throw new Error(`run-e2e --remote: podman system service did not create ${socket}`);
  }
  process.stderr.write(`run-e2e: remote mode: the CLI talks to podman system service at unix://${socket}\n`);
  const cliEnv = {
    CONTAINER_HOST: `unix://${socket}`,
    PATH: `${bin}${delimiter}${env.PATH ?? ''}`,
    PHOENIX_SUBUID_FILE: '/nonexistent/subuid',
    PHOENIX_SUBGID_FILE: '/nonexistent/subgid',
  };
  return { env: { [CLI_ENV_VARIABLE]: JSON.stringify(cliEnv) }, stop };
}
