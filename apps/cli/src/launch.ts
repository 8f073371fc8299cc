// The bin's first step, before the CLI itself loads (its own bundle entry, dist/launch.js): a rootless
// command that works in podman's user namespace starts the CLI once, inside `podman unshare`, instead of
// loading everything here and then re-running itself. Kept to node: modules and podman-adapter's
// user-namespace entry (no commander, zod, yaml, execa): this process only waits and passes signals on.
import { fileURLToPath } from 'node:url';
import {
  detectRemotePodman,
  needsUserNamespace,
  rerunInUserNamespace,
} from '@phoenix-hydra/podman-adapter/user-namespace';

/**
 * The command of `argv` (without node and script) that runs inside the user namespace, as the
 * registrations decide it (register/backup.ts, restore.ts, cleanup.ts, adopt.ts): `backup create`,
 * `restore`, `adopt`, `cleanup` unless --no-backup, and `backup verify` with --repo or --offsite. Undefined
 * for anything else, and whenever help may be asked for: the CLI then decides as before, so a command
 * missed here only costs the old re-run, never a different outcome.
 */
export function namespaceCommand(argv: readonly string[]): string | undefined {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  // --help, -h, or -h inside a cluster of short flags (-yh).
  if (options.some((a) => a === '--help' || /^-[^-]*h/.test(a))) return undefined;
  const [first, second] = argv;
  if (first === 'backup' && second === 'create') return 'backup create';
  if (first === 'restore') return 'restore';
  if (first === 'adopt') return 'adopt';
  if (
    first === 'backup' &&
    second === 'verify' &&
    options.some((a) => a === '--repo' || a.startsWith('--repo=') || a === '--offsite')
  )
    return 'backup verify';
  if (first === 'cleanup' && !options.includes('--no-backup')) return 'cleanup';
  return undefined;
}

const BIN = fileURLToPath(new URL('../bin/phoenix-volumes.js', import.meta.url));

/**
 * Runs the whole command inside `podman unshare` (the bin again, which there loads the CLI) when it
 * needs the user namespace: as a non-root user of a local podman. Resolves its exit code, or undefined
 * when the command runs in this process (root, already inside, remote podman, any other command, or
 * podman could not be started: the CLI then reports that as it always did).
 */
export async function launchInUserNamespace(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number | undefined> {
  if (!needsUserNamespace(env) || namespaceCommand(argv) === undefined) return undefined;
  if ((await detectRemotePodman({ env })).remote) return undefined;
  try {
    return await rerunInUserNamespace([process.execPath, BIN, ...argv]);
  } catch {
    return undefined;
  }
}
