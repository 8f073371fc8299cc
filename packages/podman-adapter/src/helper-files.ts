import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { PhoenixError } from '@phoenix-hydra/core';
import { CLIENT_PID_LABEL, HELPER_LABEL } from './containers.ts';
import { requireRef } from './process-args.ts';
import { callAllowFail, type RunnerConfig } from './runner.ts';
import {
  type VolumeFileOp,
  type VolumeFileResult,
  type VolumeFileStat,
  type VolumeFiles,
  type VolumeTarget,
  volumeRelativePath,
} from './volume-files.ts';

/**
 * The one fixed script every helper runs. Its first argument is the volume root; then each operation is
 * a word and its arguments (paths, modes, owners are data in "$@", never spliced into shell text); file
 * contents come on stdin, concatenated, each read with `dd bs=1` so no tool reads past its own bytes.
 * It prints one line per operation (`I ok|kept|missing|stat U G HEXMODE SIZE|fail CODE`), no user data.
 */
export const HELPER_SCRIPT = `cd "$1" || exit 3
shift
i=0
fail() { r=$?; printf '%s fail %s\\n' "$i" "$r"; exit 1; }
there() { [ -e "$1" ] || [ -L "$1" ]; }
while [ "$#" -gt 0 ]; do
  case $1 in
  stat)
    if there "$2"; then s=$(stat -c '%u %g %f %s' "$2") || fail; printf '%s stat %s\\n' "$i" "$s"
    else printf '%s missing\\n' "$i"; fi
    shift 2 ;;
  mkdir) mkdir -p -m "$3" "$2" || fail; printf '%s ok\\n' "$i"; shift 3 ;;
  chmod) chmod "$3" "$2" || fail; printf '%s ok\\n' "$i"; shift 3 ;;
  chown) chown "$3" "$2" || fail; printf '%s ok\\n' "$i"; shift 3 ;;
  chown-r) chown -R "$3" "$2" || fail; printf '%s ok\\n' "$i"; shift 3 ;;
  rename) { ! there "$3" && mv -f "$2" "$3"; } || fail; printf '%s ok\\n' "$i"; shift 3 ;;
  remove) rm -rf "$2" || fail; printf '%s ok\\n' "$i"; shift 2 ;;
  write)
    if [ "$6" = 1 ] && there "$2"; then
      dd bs=1 count="$5" of=/dev/null 2>/dev/null || fail
      printf '%s kept\\n' "$i"
    else
      t="$2.phoenix-new"
      { dd bs=1 count="$5" of="$t" 2>/dev/null && chown "$4" "$t" && chmod "$3" "$t" && mv -f "$t" "$2"; } || fail
      printf '%s ok\\n' "$i"
    fi
    shift 6 ;;
  *) printf '%s fail unknown\\n' "$i"; exit 2 ;;
  esac
  i=$((i + 1))
done
printf 'done\\n'
`;

const octal = (mode: number) => mode.toString(8).padStart(4, '0');

/** The script's arguments (after the root) and its stdin for a batch: every value a separate argument. */
export function helperArguments(ops: readonly VolumeFileOp[]): { args: string[]; stdin: Uint8Array } {
  const args: string[] = [];
  const files: Uint8Array[] = [];
  for (const o of ops) {
    const path = volumeRelativePath(o.path);
    switch (o.op) {
      case 'stat':
        args.push('stat', path);
        break;
      case 'mkdir':
      case 'chmod':
        args.push(o.op, path, octal(o.mode));
        break;
      case 'chown':
        args.push(o.recursive ? 'chown-r' : 'chown', path, `${o.owner.uid}:${o.owner.gid}`);
        break;
      case 'rename':
        args.push('rename', path, volumeRelativePath(o.to));
        break;
      case 'remove':
        if (path === '.') throw new PhoenixError('USAGE', 'refusing to remove the volume root');
        args.push('remove', path);
        break;
      case 'writeFile':
        args.push(
          'write',
          path,
          octal(o.mode),
          `${o.owner.uid}:${o.owner.gid}`,
          String(o.bytes.byteLength),
          o.noClobber ? '1' : '0',
        );
        files.push(o.bytes);
        break;
    }
  }
  return { args, stdin: Buffer.concat(files) };
}

/** One operation's answer as the script prints it, or the failure that stopped the batch. */
type Line = { index: number; word: string; rest: string[] };

function fileType(bits: number): VolumeFileStat['type'] {
  if (bits === 0o040000) return 'directory';
  if (bits === 0o100000) return 'file';
  if (bits === 0o120000) return 'symlink';
  return 'other';
}

/**
 * Reads the helper's output back into one result per operation; PODMAN_FAILED naming the operation
 * that failed (with the container's stderr), PODMAN_OUTPUT for output the script cannot have printed.
 */
export function parseHelperOutput(
  ops: readonly VolumeFileOp[],
  stdout: string,
  stderr = '',
): VolumeFileResult[] {
  const lines: Line[] = stdout
    .split('\n')
    .filter((l) => l !== '' && l !== 'done')
    .map((l) => {
      const [index, word, ...rest] = l.split(' ');
      if (!/^\d+$/.test(index ?? '') || word === undefined) {
        throw new PhoenixError('PODMAN_OUTPUT', `unexpected helper output: ${JSON.stringify(l)}`);
      }
      return { index: Number(index), word, rest };
    });
  const results: VolumeFileResult[] = [];
  for (const line of lines) {
    const o = ops[line.index];
    if (o === undefined || line.index !== results.length) {
      throw new PhoenixError('PODMAN_OUTPUT', `helper output out of order at operation ${line.index}`);
    }
    if (line.word === 'fail') {
      const reason = stderr.trim().split('\n').at(-1) ?? `exit code ${line.rest[0]}`;
      throw new PhoenixError(
        'PODMAN_FAILED',
        `helper container: ${o.op} ${JSON.stringify(o.path)} failed: ${reason}`,
        {
          details: { op: o.op, path: o.path, exitCode: line.rest[0], stderr },
        },
      );
    }
    results.push(resultOf(o, line));
  }
  if (results.length !== ops.length || !stdout.endsWith('done\n')) {
    throw new PhoenixError(
      'PODMAN_OUTPUT',
      `helper container stopped after ${results.length} of ${ops.length} operations`,
      {
        details: { stdout, stderr },
      },
    );
  }
  return results;
}

function resultOf(o: VolumeFileOp, line: Line): VolumeFileResult {
  if (o.op === 'stat' && line.word === 'missing') return { op: 'stat', path: o.path, stat: null };
  if (o.op === 'stat' && line.word === 'stat') {
    const [uid, gid, raw, size] = line.rest;
    const bits = Number.parseInt(raw ?? '', 16);
    if (line.rest.length !== 4 || Number.isNaN(bits)) {
      throw new PhoenixError('PODMAN_OUTPUT', `unexpected helper stat: ${line.rest.join(' ')}`);
    }
    const stat = {
      uid: Number(uid),
      gid: Number(gid),
      mode: bits & 0o7777,
      type: fileType(bits & 0o170000),
      size: Number(size),
    };
    return { op: 'stat', path: o.path, stat };
  }
  if (o.op === 'writeFile' && (line.word === 'ok' || line.word === 'kept')) {
    return { op: 'writeFile', path: o.path, written: line.word === 'ok' };
  }
  if (
    (o.op === 'mkdir' || o.op === 'chmod' || o.op === 'chown' || o.op === 'rename' || o.op === 'remove') &&
    line.word === 'ok'
  )
    return { op: o.op, path: o.path };
  throw new PhoenixError('PODMAN_OUTPUT', `helper answered ${line.word} to ${o.op}`);
}

/**
 * Removes a helper or probe container after its `podman run` returned (or failed, or was killed), so none
 * accumulate, with its anonymous volumes (`--volumes`: the postgres image declares one, which `--rm` used to
 * remove; without it every helper left a volume, and after ~2,000 podman ran out of locks); never throws,
 * since the work it did is already decided.
 */
export async function removeContainer(config: RunnerConfig, ...names: string[]): Promise<void> {
  if (names.length === 0) return;
  await callAllowFail(config, ['rm', '--force', '--ignore', '--volumes', '--time', '0', ...names]).catch(
    () => undefined,
  );
  for (const name of names) started.delete(name);
}

/** Helper and probe containers this process named and has not removed yet, with the podman that runs them. */
const started = new Map<string, RunnerConfig>();

/**
 * A fresh name for a helper or probe container about to start, remembered until removeContainer removes
 * it; the helpers older runs left are swept first (sweepLeftHelpers).
 */
export async function newHelperName(
  config: RunnerConfig,
  kind: 'helper' | 'probe' = 'helper',
): Promise<string> {
  await sweepLeftHelpers(config);
  const name = `phoenix-${kind}-${randomBytes(6).toString('hex')}`;
  started.set(name, config);
  return name;
}

/**
 * Removes (running or not, with their anonymous volumes) every helper and probe container this process
 * started and has not removed yet, and returns their names: what a command stopped by a signal does last,
 * so that it stops with everything it started. Never throws.
 */
export async function removeStartedHelpers(): Promise<string[]> {
  const names = [...started.keys()];
  const byPodman = new Map<RunnerConfig, string[]>();
  for (const [name, config] of started) byPodman.set(config, [...(byPodman.get(config) ?? []), name]);
  await Promise.all([...byPodman].map(([config, list]) => removeContainer(config, ...list)));
  return names;
}

/** How old a stopped helper must be before any command removes it (a younger one may still be read by its owner). */
const LEFT_HELPER_AGE = '5m';
const swept = new WeakSet<RunnerConfig>();

/**
 * Removes helper and probe containers that stopped over LEFT_HELPER_AGE ago (a client killed with SIGKILL
 * cannot remove its own), once per process and podman, before the first helper starts. Never throws.
 */
async function sweepLeftHelpers(config: RunnerConfig): Promise<void> {
  if (swept.has(config)) return;
  swept.add(config);
  const left = await callAllowFail(config, [
    'ps',
    '--all',
    '--quiet',
    '--filter',
    `label=${HELPER_LABEL}=1`,
    '--filter',
    'status=exited',
    '--filter',
    'status=created',
    '--filter',
    `until=${LEFT_HELPER_AGE}`,
  ]).catch(() => undefined);
  if (left?.exitCode !== 0) return;
  await removeContainer(config, ...left.stdout.split('\n').filter((id) => /^[0-9a-f]{12,64}$/.test(id)));
}

/** Where the helper mounts the volume. */
export const HELPER_ROOT = '/v';

/**
 * The `podman run` options every helper shares, up to its image: root in the container, no network,
 * nothing pulled, labelled, the volume at /v (read-only when it only reads). Not `--rm`: podman 4.3 can
 * deadlock a `run --rm` with the `container cleanup` its container's exit starts, and the per-user lock
 * it holds then hangs every podman command of that user (podman#29646; it wedged the remote e2e run).
 * The caller removes the container once `run` returned (removeContainer).
 */
export function helperContainerArgs(
  target: VolumeTarget,
  name: string,
  options: { stdin: boolean; readOnly?: boolean },
): string[] {
  if (target.source.includes(':'))
    throw new PhoenixError('USAGE', `volume source must not contain ":": ${target.source}`);
  const mount = [...(options.readOnly ? ['ro'] : []), ...(target.relabel ? ['z'] : [])];
  return [
    'run',
    ...(options.stdin ? ['-i'] : []),
    '--name',
    name,
    '--pull',
    'never',
    '--network',
    'none',
    '--user',
    '0:0',
    '--entrypoint',
    'sh',
    '--label',
    `${HELPER_LABEL}=1`,
    '--label',
    `${CLIENT_PID_LABEL}=${process.pid}`,
    '--volume',
    `${target.source}:${HELPER_ROOT}${mount.length > 0 ? `:${mount.join(',')}` : ''}`,
    requireRef(target.image, 'image'),
  ];
}

/** The `podman run` arguments of one file-operations helper: its fixed script, the operations as arguments. */
export function helperRunArgs(target: VolumeTarget, name: string, args: readonly string[]): string[] {
  return [
    ...helperContainerArgs(target, name, { stdin: true }),
    '-c',
    HELPER_SCRIPT,
    'sh',
    HELPER_ROOT,
    ...args,
  ];
}

/**
 * Volume files through a remote podman: one throwaway container of the stack's own image per batch
 * (`--pull never --network none --user 0:0`, the volume at /v), which as root of the rootless user
 * namespace on the machine does what `podman unshare` does locally (byte-identical owners and modes).
 */
export function helperFiles(config: RunnerConfig): VolumeFiles {
  return {
    kind: 'helper',
    async batch(target, ops) {
      if (ops.length === 0) return [];
      const { args, stdin } = helperArguments(ops);
      const name = await newHelperName(config);
      const argv = helperRunArgs(target, name, args);
      let result: Awaited<ReturnType<typeof callAllowFail>>;
      try {
        result = await callAllowFail(config, argv, { stdin: Readable.from([stdin]) });
      } finally {
        await removeContainer(config, name);
      }
      if (result.exitCode === 125 || result.exitCode === 127 || result.exitCode === 126) {
        const reason =
          result.stderr
            .trim()
            .split('\n')
            .at(-1)
            ?.replace(/^Error: /, '') ?? '';
        throw new PhoenixError(
          'PODMAN_FAILED',
          `helper container for ${target.source} could not start: ${reason}`,
          {
            hint: `podman image exists ${target.image} || podman-compose pull   # the helper runs the stack's own image, never pulls`,
            details: {
              argv: [config.bin, ...argv.slice(0, -args.length - 3)],
              exitCode: result.exitCode,
              stderr: result.stderr,
            },
          },
        );
      }
      return parseHelperOutput(ops, result.stdout, result.stderr);
    },
  };
}
