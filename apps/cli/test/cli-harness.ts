import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '../../..');
export const binPath = join(here, '../bin/phoenix-volumes.js');
export const designCompose = join(repoRoot, 'tooling/e2e/fixtures/podman-compose.yaml');

/** Runs the real CLI binary as a user would, never throwing: tests assert on exit code and output. */
export function cli(
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> } = {},
) {
  return execa(process.execPath, [binPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    reject: false,
    ...(options.input === undefined ? {} : { input: options.input }),
    env: { NO_COLOR: '1', ...options.env },
  });
}

/** Copies the design's compose file into a directory named `phoenix-hydra`, as users keep it, so the project is named like the design's. */
export async function designProjectDir(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'phx-cli-')), 'phoenix-hydra');
  await cp(designCompose, join(dir, 'podman-compose.yaml'));
  return dir;
}
