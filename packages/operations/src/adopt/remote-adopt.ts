import { posix } from 'node:path';
import {
  isPhoenixError,
  machineParentOf,
  PhoenixError,
  type Stack,
  type VolumeSpec,
} from '@phoenix-hydra/core';
import { type Podman, type ProbeMount, runHelperScript, volumeFilesFor } from '@phoenix-hydra/podman-adapter';
import { helperImage } from '../backup/remote-tar.ts';
import type { AdoptFiles } from './adopt-files.ts';
import type { TreeSummary } from './tree-summary.ts';

/**
 * The one fixed script of a remote adopt's helpers, given the source volume's mount (/s, read-only) and
 * the mount of the directory holding the stack's volume directory (/p); names are "$@" data, never shell text.
 * `sum` lists every entry (hex mode, owner, size, 0 for directories, path), sorted and hashed, as
 * `sum ENTRIES BYTES SHA256`: two trees with the same line hold the same names, types, modes, owners
 * and sizes (cp -a carries the contents). `copy` refuses an existing name, then `cp -a` and sums both
 * trees read after it; `swap` renames as a local adopt does (an empty target kept aside, then removed);
 * `keep` copies the old volume's data beside the directory (for the user), via a `.partial` name. Ends
 * with `done`.
 */
export const ADOPT_SCRIPT = `s=$1 p=$2 mode=$3
shift 3
there() { [ -e "$1" ] || [ -L "$1" ]; }
sum() {
  ( t=$(mktemp) && cd "$1" || exit 1
    trap 'rm -f "$t"' EXIT
    { stat -c '%f %u %g 0 .' . &&
      find . -mindepth 1 ! -type d -exec stat -c '%f %u %g %s %n' {} + &&
      find . -mindepth 1 -type d -exec stat -c '%f %u %g 0 %n' {} +; } > "$t" || exit 1
    c=$(awk 'NR > 1 { n++ } /^8/ { s += $4 } END { printf "%d %.0f", n, s }' "$t") || exit 1
    d=$(LC_ALL=C sort "$t" | sha256sum | cut -c1-64) || exit 1
    printf 'sum %s %s\\n' "$c" "$d" )
}
case $mode in
summary) sum "$s" || exit 1 ;;
state)
  if ! there "$p/$1"; then echo missing
  elif [ -d "$p/$1" ] && [ ! -L "$p/$1" ] && [ -z "$(ls -A "$p/$1")" ]; then echo empty
  else echo full; fi ;;
copy)
  cd "$p" || exit 3
  if there "$1"; then echo "$1 already exists" >&2; exit 4; fi
  cp -a "$s" "$1" || { rm -rf -- "$1"; exit 5; }
  sum "$s" || exit 1
  sum "$p/$1" || exit 1 ;;
swap)
  cd "$p" || exit 3
  if there "$3"; then echo "$3 already exists" >&2; exit 4; fi
  if there "$1"; then mv -- "$1" "$3" || exit 7; fi
  if ! mv -- "$2" "$1"; then there "$3" && mv -- "$3" "$1"; exit 8; fi
  rmdir -- "$3" 2>/dev/null || true ;;
drop) cd "$p" || exit 3; rm -rf -- "$1" || exit 1 ;;
keep)
  cd "$p" || exit 3
  if ! there "$1"; then
    { rm -rf -- "$1.partial" && cp -a "$s" "$1.partial" && mv -- "$1.partial" "$1"; } || exit 1
    echo kept
  fi ;;
*) exit 2 ;;
esac
echo done
`;

/** Reads `sum ENTRIES BYTES SHA256` lines. */
export function parseSums(lines: readonly string[]): TreeSummary[] {
  return lines.map((line) => {
    const m = /^sum (\d+) (\d+) ([0-9a-f]{64})$/.exec(line);
    if (!m)
      throw new PhoenixError('PODMAN_OUTPUT', `unexpected adopt helper output: ${JSON.stringify(line)}`);
    return { entries: Number(m[1]), bytes: Number(m[2]), digest: m[3] as string };
  });
}

/** podman's refusal of a bind source that does not exist (`statfs …: no such file or directory`). */
function missing(error: unknown): boolean {
  const stderr = String((error as PhoenixError | undefined)?.details?.stderr ?? '');
  return isPhoenixError(error) && /no such file or directory/i.test(stderr);
}

/**
 * Adopt's file work through a remote podman (podman machine), where podman's storage and the host
 * directories are on the machine: each step is one helper container of the stack's own image, mounting
 * the source volume by name and the directory holding the volume directory by its machine path.
 */
export function helperAdoptFiles(
  podman: Podman,
  stack: Stack,
  platform: NodeJS.Platform = process.platform,
): AdoptFiles {
  const specOf = (hostPath: string): VolumeSpec => {
    const spec = stack.volumes.find((v) => hostPath === v.hostPath || hostPath.startsWith(`${v.hostPath}.`));
    const first = stack.volumes[0];
    if (spec) return spec;
    if (first) return first;
    throw new PhoenixError('INTERNAL', `${stack.project} has no volumes`);
  };
  const helper = async (
    hostPath: string,
    args: readonly string[],
    mounts: readonly ProbeMount[],
  ): Promise<string[]> => {
    const image = await helperImage(podman, stack, specOf(hostPath));
    const r = await runHelperScript(podman, image, ADOPT_SCRIPT, ['/s', '/p', ...args], {
      mounts,
      timeoutMs: 3_600_000,
    });
    if (r.exitCode !== 0 || !r.stdout.endsWith('done\n')) {
      throw new PhoenixError(
        'ADOPT_FAILED',
        `adopt helper (${args[0]}) on the machine failed: ${r.stderr.trim().split('\n').at(-1) || `exit code ${r.exitCode}`}`,
        { details: { exitCode: r.exitCode, stderr: r.stderr } },
      );
    }
    return r.stdout.split('\n').filter((l) => l !== '' && l !== 'done');
  };
  const source = (volume: string): ProbeMount => ({ source: volume, target: '/s', options: ['ro'] });
  const parentOf = (hostPath: string) => {
    const { parent, name } = machineParentOf(hostPath, platform);
    return { mount: { source: parent, target: '/p' } satisfies ProbeMount, name, parent };
  };
  return {
    mountPath: (path) => {
      const { parent, name } = machineParentOf(path, platform);
      return `${parent === '/' ? '' : parent}/${name}`;
    },
    async summarize(from, hostPath) {
      const [summary] = parseSums(await helper(hostPath, ['summary'], [source(from.volume)]));
      if (!summary) throw new PhoenixError('PODMAN_OUTPUT', 'adopt helper printed no summary');
      return summary;
    },
    async isEmptyDir(hostPath) {
      const { mount, name } = parentOf(hostPath);
      try {
        const [state] = await helper(hostPath, ['state', name], [mount]);
        return state === 'missing' || state === 'empty';
      } catch (error) {
        // podman refuses a bind source that does not exist: then neither does the directory.
        if (missing(error)) return true;
        throw error;
      }
    },
    async prepare(hostPath) {
      // The directory holding the volume directory, made as setup makes it (755), through its nearest
      // existing ancestor: podman refuses a missing bind source. Never mounts /.
      const { parent } = parentOf(hostPath);
      const image = await helperImage(podman, stack, specOf(hostPath));
      const files = await volumeFilesFor(podman);
      for (let base = parent; ; base = posix.dirname(base)) {
        const path = posix.relative(base, parent);
        try {
          await files.batch({ source: base, path: base, image }, [{ op: 'mkdir', path, mode: 0o755 }]);
          return;
        } catch (error) {
          if (!missing(error) || posix.dirname(base) === '/') throw error;
        }
      }
    },
    async copy(from, swap) {
      const { mount, name } = parentOf(swap.staging);
      const sums = parseSums(await helper(swap.target, ['copy', name], [source(from.volume), mount]));
      const [read, copy] = sums;
      if (!read || !copy) throw new PhoenixError('PODMAN_OUTPUT', 'adopt helper printed no summaries');
      return { source: read, copy };
    },
    async swap(swap) {
      const { mount, name } = parentOf(swap.target);
      const names = [name, parentOf(swap.staging).name, parentOf(swap.previous).name];
      await helper(swap.target, ['swap', ...names], [mount]);
    },
    async drop(path) {
      const { mount, name } = parentOf(path);
      await helper(path, ['drop', name], [mount]).catch((error: unknown) => {
        if (!missing(error)) throw error;
      });
    },
    async keepVolumeData(volume, keep) {
      const { mount, name } = parentOf(keep);
      return (await helper(keep, ['keep', name], [source(volume.name), mount])).includes('kept');
    },
  };
}
