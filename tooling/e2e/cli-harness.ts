// The CLI as e2e tests (of the CLI and of the agent) use it: its real binary, and a project directory
// per test file holding the design's compose file.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { FIXTURE_COMPOSE, REPO_ROOT } from './host.ts';
import { CLI_ENV_VARIABLE } from './remote-mode.ts';

/**
 * `pnpm test:e2e --remote` (remote-mode.ts): the environment that makes the CLI a podman machine user's
 * (CONTAINER_HOST, no `podman unshare`, no subuid files). Empty in the normal run. Every CLI a test starts
 * gets it; the test's own podman calls stay local.
 */
export const cliEnv: Readonly<Record<string, string>> = JSON.parse(process.env[CLI_ENV_VARIABLE] ?? '{}');
/** True in the remote run: for the few assertions whose wording differs through a remote podman. */
export const remoteMode = process.env[CLI_ENV_VARIABLE] !== undefined;

export const repoRoot = REPO_ROOT;
export const binPath = join(REPO_ROOT, 'apps/cli/bin/phoenix-volumes.js');
export const designCompose = FIXTURE_COMPOSE;

/** Runs the real CLI binary as a user would, never throwing: tests assert on exit code and output. */
export function cli(
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> } = {},
) {
  return execa(process.execPath, [binPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    reject: false,
    ...(options.input === undefined ? {} : { input: options.input }),
    env: { NO_COLOR: '1', ...cliEnv, ...options.env },
  });
}

/** Copies the design's compose file into a directory named `phoenix-hydra`, as users keep it, so the project is named like the design's. */
export async function designProjectDir(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'phx-cli-')), 'phoenix-hydra');
  await cp(designCompose, join(dir, 'podman-compose.yaml'));
  return dir;
}

/**
 * The design's compose file as project NAME: its own directory, its own base directory
 * (~/.local/share/NAME) and its own host port, so e2e files never touch each other's stacks.
 */
export async function isolatedProjectDir(name: string, port: number): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'phx-cli-')), name);
  await cp(designCompose, join(dir, 'podman-compose.yaml'));
  const text = (await readFile(join(dir, 'podman-compose.yaml'), 'utf8'))
    .replaceAll('/.local/share/phoenix-hydra/', `/.local/share/${name}/`)
    .replace('"8080:80"', `"${port}:80"`);
  await writeFile(join(dir, 'podman-compose.yaml'), text);
  return dir;
}
