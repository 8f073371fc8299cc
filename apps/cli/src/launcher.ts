import { access, chmod, constants, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { PhoenixError } from '@phoenix-hydra/core';

/** The second line of every launcher this writes: how a later run knows the file is its own to replace. */
const MARKER = '# phoenix-volumes launcher written by `pnpm setup-cli`';

/** Where `pnpm install` puts the workspace's Node 24 (the `node` devDependency) in a clone. */
export function bundledNode(root: string): string {
  return join(root, 'node_modules', 'node', 'bin', 'node');
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * A POSIX sh launcher that runs the clone's CLI with the clone's bundled Node, in the directory the user
 * is in (so compose discovery and relative paths start there); it names the fix when the clone moved.
 */
export function launcherScript(root: string): string {
  const node = shellQuote(bundledNode(root));
  const bin = shellQuote(join(root, 'apps', 'cli', 'bin', 'phoenix-volumes.js'));
  return [
    '#!/bin/sh',
    MARKER,
    `# in ${root}; run it again there after moving the clone.`,
    `if [ ! -x ${node} ]; then`,
    `  echo "phoenix-volumes: "${node}" is missing; run pnpm install in "${shellQuote(root)}", then pnpm setup-cli" >&2`,
    '  exit 127',
    'fi',
    `exec ${node} ${bin} "$@"`,
    '',
  ].join('\n');
}

/** What installLauncher did. */
export interface InstalledLauncher {
  path: string;
  /** The Node version the launcher runs. */
  node: string;
  /** True when binDir is on the PATH given, so `phoenix-volumes` works in a new command. */
  onPath: boolean;
}

/**
 * Writes `binDir/phoenix-volumes` (mode 0755) for the clone at `root`, replacing only a launcher it wrote
 * before; needs no root. Refuses when the clone has no bundled Node yet (pnpm install first).
 */
export async function installLauncher(options: {
  root: string;
  binDir?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  nodeVersion: string;
}): Promise<InstalledLauncher> {
  const env = options.env ?? process.env;
  const root = resolve(options.root);
  const binDir = resolve(options.binDir ?? join(env.HOME || homedir(), '.local', 'bin'));
  const path = join(binDir, 'phoenix-volumes');
  try {
    await access(bundledNode(root), constants.X_OK);
  } catch (error) {
    throw new PhoenixError('USAGE', `${bundledNode(root)} is missing: the clone's Node 24 is not installed`, {
      hint: `run npx -y pnpm@12.4.2 install in ${root} first`,
      cause: error,
    });
  }
  const existing = await readFile(path, 'utf8').catch(() => null);
  if (existing !== null && existing.split('\n')[1] !== MARKER) {
    throw new PhoenixError('USAGE', `${path} exists and is not a launcher written by pnpm setup-cli`, {
      hint: `move it away (mv ${path} ${path}.old) and run pnpm setup-cli again, or pass --bin-dir DIR`,
    });
  }
  await mkdir(binDir, { recursive: true, mode: 0o755 });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, launcherScript(root), { mode: 0o755, flag: 'wx' });
    await chmod(temp, 0o755); // whatever the umask
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
  const onPath = (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && resolve(dir) === binDir);
  return { path, node: options.nodeVersion, onPath };
}
