import { posix, win32 } from 'node:path';
import { isPhoenixError, machineParentOf, PhoenixError, type Stack } from '@phoenix-hydra/core';
import type { StackObservation } from '@phoenix-hydra/diagnostics';
import { type Podman, runHelperScript } from '@phoenix-hydra/podman-adapter';
import { helperImage } from '../backup/remote-tar.ts';
import type { CleanupItem } from './cleanup.ts';

/**
 * The one fixed script of a remote cleanup's helper, run with a volume directory's parent on the machine
 * at /p (names are "$@" data, never shell text). `measure VOLUME...` prints for each volume directory
 * `d KIB FILES` or `m` (missing), then for each copy restore left beside it (`VOLUME.pre-restore-*`,
 * `VOLUME.restore-staging-*`) `l KIB FILES HEXNAME` (`du -sk`: busybox images have no `du -B1`); `remove NAME...` deletes each (`rm -rf`, links
 * removed, never followed); `rmdir NAME...` removes each only when empty. Ends with `done`.
 */
export const CLEANUP_SCRIPT = `cd /p || exit 3
mode=$1
shift
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \\n'; }
size() { b=$(du -sk -- "$1" | cut -f1) && f=$(find "$1" | wc -l) && printf '%s %s' "$b" "$f"; }
case $mode in
measure)
  for v; do
    if [ -d "$v" ] && [ ! -L "$v" ]; then printf 'd %s\\n' "$(size "$v")" || exit 1; else echo m; fi
  done
  for v; do
    for e in "$v".pre-restore-* "$v".restore-staging-* "$v"..pre-restore-* "$v"..restore-staging-*; do
      [ -e "$e" ] || [ -L "$e" ] || continue
      printf 'l %s %s\\n' "$(size "$e")" "$(hex "$e")" || exit 1
    done
  done ;;
remove) for n; do rm -rf -- "$n" || exit 1; done ;;
rmdir) for n; do rmdir -- "$n" 2>/dev/null || true; done ;;
*) exit 2 ;;
esac
echo done
`;

const fromHex = (hex: string) => Buffer.from(hex, 'hex').toString();

/** Runs the cleanup helper on one parent directory; its output lines without `done`. */
async function cleanupHelper(
  podman: Podman,
  image: string,
  parent: string,
  args: readonly string[],
): Promise<string[]> {
  const r = await runHelperScript(podman, image, CLEANUP_SCRIPT, args, {
    mounts: [{ source: parent, target: '/p' }],
    timeoutMs: 600_000,
  });
  if (r.exitCode !== 0 || !r.stdout.endsWith('done\n')) {
    throw new PhoenixError(
      'PODMAN_FAILED',
      `cleanup helper (${args[0]}) in ${parent} failed: ${r.stderr.trim().split('\n').at(-1) ?? `exit code ${r.exitCode}`}`,
      { details: { exitCode: r.exitCode, stderr: r.stderr } },
    );
  }
  return r.stdout.split('\n').filter((l) => l !== '' && l !== 'done');
}

/** Reads the measure output: one `d`/`m` line per volume in order, then `l` lines for restore's copies. */
export function parseMeasure(
  volumes: readonly { name: string; dirName: string }[],
  parent: string,
  lines: readonly string[],
): { sizes: ({ bytes: number; files: number } | null)[]; leftovers: CleanupItem[] } {
  const bad = (line: string) =>
    new PhoenixError('PODMAN_OUTPUT', `unexpected cleanup helper output: ${JSON.stringify(line)}`);
  const sizes = lines.slice(0, volumes.length).map((line) => {
    if (line === 'm') return null;
    const m = /^d (\d+) (\d+)$/.exec(line);
    if (!m) throw bad(line);
    return { bytes: Number(m[1]) * 1024, files: Number(m[2]) };
  });
  if (sizes.length !== volumes.length) throw bad(lines.join('\n'));
  const leftovers = lines.slice(volumes.length).map((line): CleanupItem => {
    const m = /^l (\d+) (\d+) ([0-9a-f]+)$/.exec(line);
    const name = m ? fromHex(m[3] ?? '') : '';
    const volume = volumes.find((v) => name.startsWith(`${v.dirName}.`));
    if (!m || !volume || name.includes('/')) throw bad(line);
    return {
      volume: volume.name,
      kind: 'restore-leftover',
      path: `${parent}/${name}`,
      bytes: Number(m[1]) * 1024,
      files: Number(m[2]),
      namedVolume: null,
    };
  });
  return { sizes, leftovers };
}

/**
 * The volumes' directories grouped by the directory holding them (as this computer names it), with that
 * directory's path on the machine (C:\x → /mnt/c/x from Windows): one helper per parent.
 */
export function byParent(
  stack: Stack,
  paths: readonly string[],
  platform: NodeJS.Platform = process.platform,
): Map<string, { machine: string; names: string[] }> {
  const groups = new Map<string, { machine: string; names: string[] }>();
  const client = platform === 'win32' ? win32 : posix;
  for (const path of paths) {
    let onMachine: { parent: string; name: string };
    try {
      onMachine = machineParentOf(path, platform);
    } catch (error) {
      throw new PhoenixError('USAGE', `not a volume directory to clean up: ${path}`, {
        hint: `check the device: paths of ${stack.project}'s volumes`,
        cause: error,
      });
    }
    const parent = client.dirname(path);
    const group = groups.get(parent) ?? { machine: onMachine.parent, names: [] };
    group.names.push(onMachine.name);
    groups.set(parent, group);
  }
  return groups;
}

/**
 * What cleanup would delete, measured on the machine through a remote podman (podman machine): one helper
 * per parent directory of the volume directories sizes each of them and finds restore's copies beside them.
 */
export async function planCleanupThroughHelpers(
  podman: Podman,
  observation: StackObservation,
): Promise<CleanupItem[]> {
  const { stack } = observation;
  const first = stack.volumes[0];
  if (!first) return [];
  const image = await helperImage(podman, stack, first);
  const items: CleanupItem[] = [];
  const client = process.platform === 'win32' ? win32 : posix;
  for (const [parent, { machine, names }] of byParent(
    stack,
    observation.volumes.map((v) => v.spec.hostPath),
  )) {
    const here = observation.volumes.filter((v) => client.dirname(v.spec.hostPath) === parent);
    const volumes = here.map((v) => ({ name: v.spec.name, dirName: client.basename(v.spec.hostPath) }));
    const lines = await cleanupHelper(podman, image, machine, ['measure', ...names]);
    const { sizes, leftovers } = parseMeasure(volumes, parent, lines);
    here.forEach((v, i) => {
      const size = sizes[i] ?? null;
      items.push({
        volume: v.spec.name,
        kind: 'volume',
        path: size ? v.spec.hostPath : null,
        bytes: size?.bytes ?? 0,
        files: size?.files ?? 0,
        namedVolume: v.namedVolume ? v.podmanVolumeName : null,
      });
    });
    items.push(...leftovers);
  }
  return items;
}

/** Deletes the directories (paths on the machine) through helpers mounting their parents. */
export async function removeThroughHelpers(
  podman: Podman,
  stack: Stack,
  paths: readonly string[],
): Promise<void> {
  const first = stack.volumes[0];
  if (!first || paths.length === 0) return;
  const image = await helperImage(podman, stack, first);
  for (const { machine, names } of byParent(stack, paths).values()) {
    await cleanupHelper(podman, image, machine, ['remove', ...names]);
  }
}

/**
 * Removes the stack's base directory on the machine when cleanup left it empty (other files there are not
 * ours), in a helper mounting the directory above it; nothing when that is missing.
 */
export async function removeEmptyBaseThroughHelper(podman: Podman, stack: Stack): Promise<void> {
  const first = stack.volumes[0];
  if (!first) return;
  const { parent, name } = machineParentOf(stack.baseDir, process.platform);
  const image = await helperImage(podman, stack, first);
  await cleanupHelper(podman, image, parent, ['rmdir', name]).catch((error: unknown) => {
    const stderr = String((error as PhoenixError).details?.stderr ?? '');
    if (!isPhoenixError(error) || !/no such file or directory/i.test(stderr)) throw error;
  });
}
