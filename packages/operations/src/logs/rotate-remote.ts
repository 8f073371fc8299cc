import { basename } from 'node:path';
import { PhoenixError, type Stack, type VolumeSpec } from '@phoenix-hydra/core';
import { helperImages } from '@phoenix-hydra/diagnostics';
import { type Podman, runHelperScript } from '@phoenix-hydra/podman-adapter';
import { NOT_A_FILE, type RotatedFile, type RotationReport, type SkippedFile } from './rotate-logs.ts';
import {
  COPIED_SUFFIX,
  copiesBeyondKeep,
  freeRotatedName,
  isLiveLogName,
  PARTIAL_SUFFIX,
  parseRotatedName,
  rotationStamp,
} from './rotated-name.ts';

/**
 * The one fixed script the rotation helper runs (paths are "$@" data, never shell text). `list` prints
 * every entry below the volume as `TYPE SIZE LINKS HEXNAME` (l link, f file, d directory, p FIFO, s socket,
 * c device, o other; names hex-encoded so any byte survives); `act` runs operations `copytrunc SRC DST`,
 * `finish COPIED DST ZSTD` and `remove PATH`, one `I WORD SIZE` line each. The copy keeps the log's owner
 * and mode (cp -p; the compressed copy is given them again), as the local rotation's does. Links are never
 * followed: a link is listed as a link and refused by copytrunc, cp copies a link as a link (-P), and all
 * of it happens in a throwaway container
 * whose only mount is the volume. (`"{""}"` is find's `{}`, written so the script, which find also gets as
 * an argument, holds no `{}` of its own.)
 */
export const ROTATE_SCRIPT = `cd "$1" || exit 3
mode=$2
self=$3
shift 3
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \\n'; }
case $mode in
list) find . -mindepth 1 -exec sh -c "$self" sh . entries "$self" "{""}" + || exit 1 ;;
entries)
  for p; do
    if [ -L "$p" ]; then t=l; elif [ -f "$p" ]; then t=f; elif [ -d "$p" ]; then t=d
    elif [ -p "$p" ]; then t=p; elif [ -S "$p" ]; then t=s; elif [ -b "$p" ] || [ -c "$p" ]; then t=c; else t=o; fi
    s=$(stat -c '%s %h' -- "$p") || s='0 0'
    printf '%s %s %s\\n' "$t" "$s" "$(hex "$p")"
  done ;;
act)
  i=0
  fail() { r=$?; printf '%s fail %s\\n' "$i" "$r"; exit 1; }
  while [ "$#" -gt 0 ]; do
    case $1 in
    copytrunc)
      { [ -f "$2" ] && [ ! -L "$2" ] && cp -p -P -- "$2" "$3${PARTIAL_SUFFIX}" && mv -- "$3${PARTIAL_SUFFIX}" "$3${COPIED_SUFFIX}" && [ ! -L "$2" ] && truncate -s 0 -- "$2"; } || fail
      printf '%s ok %s\\n' "$i" "$(stat -c %s -- "$3${COPIED_SUFFIX}")"; shift 3 ;;
    finish)
      if [ "$4" = 1 ] && command -v zstd >/dev/null 2>&1; then
        { zstd -q -f -o "$3.zst" -- "$2" && chown "$(stat -c %u:%g -- "$2")" "$3.zst" &&
          chmod "$(stat -c %a -- "$2")" "$3.zst" && rm -f -- "$2"; } || fail
        printf '%s zst %s\\n' "$i" "$(stat -c %s -- "$3.zst")"
      else
        mv -- "$2" "$3" || fail
        printf '%s plain %s\\n' "$i" "$(stat -c %s -- "$3")"
      fi
      shift 4 ;;
    remove) rm -f -- "$2" || fail; printf '%s ok 0\\n' "$i"; shift 2 ;;
    *) printf '%s fail unknown\\n' "$i"; exit 2 ;;
    esac
    i=$((i + 1))
  done
  printf 'done\\n' ;;
*) exit 2 ;;
esac
`;

/** One entry of the volume as the helper listed it; `path` is relative (`./access.log`). */
export interface ListedEntry {
  path: string;
  type: 'link' | 'file' | 'directory' | 'fifo' | 'socket' | 'device' | 'other';
  size: number;
  links: number;
}

const TYPES = {
  l: 'link',
  f: 'file',
  d: 'directory',
  p: 'fifo',
  s: 'socket',
  c: 'device',
  o: 'other',
} as const;

/** Why an entry with a log's name is left alone, in the local rotation's words (rotate-logs, pinned-dir). */
function skipReason(e: ListedEntry): string | null {
  if (e.type === 'link') return NOT_A_FILE.link;
  if (e.type === 'fifo') return NOT_A_FILE.fifo;
  if (e.type === 'socket') return NOT_A_FILE.socket;
  if (e.type === 'device' || e.type === 'other') return NOT_A_FILE.device;
  return null;
}

/** Reads the helper's listing; PODMAN_OUTPUT for a line the script cannot have printed. */
export function parseListing(stdout: string): ListedEntry[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [t, size, links, hex] = line.split(' ');
      const type = TYPES[t as keyof typeof TYPES];
      if (
        !type ||
        !/^\d+$/.test(size ?? '') ||
        !/^\d+$/.test(links ?? '') ||
        !/^([0-9a-f]{2})+$/.test(hex ?? '')
      ) {
        throw new PhoenixError('PODMAN_OUTPUT', `unexpected rotation helper output: ${JSON.stringify(line)}`);
      }
      return {
        path: Buffer.from(hex as string, 'hex').toString('utf8'),
        type,
        size: Number(size),
        links: Number(links),
      };
    });
}

/** One step of the plan, in the order the helper runs them. */
export type RotateOp =
  | { op: 'copytrunc'; from: string; to: string; bytes: number }
  | { op: 'finish'; copied: string; to: string; compress: boolean }
  | { op: 'remove'; path: string; why: 'partial' | 'old' };

/** What the plan will do and what it leaves alone. */
export interface RotationPlan {
  ops: RotateOp[];
  skipped: SkippedFile[];
}

const rel = (p: string) => p.replace(/^\.\//, '');

/**
 * Decides the rotation from a listing, with the local rotation's names and rules: live logs above
 * `maxBytes` are copied and truncated (processes on the machine cannot be seen from here, so every file
 * counts as held open), copies become `<name>.<stamp>[-n][.zst]`, an interrupted rotation is finished
 * (`.phoenix-copied`) or dropped (`.phoenix-partial`, its log untouched), and `keep` copies stay per log.
 */
export function planRotation(
  entries: readonly ListedEntry[],
  policy: { maxBytes: number; keep: number; compress: boolean; stamp: string },
): RotationPlan {
  const ops: RotateOp[] = [];
  const skipped: SkippedFile[] = [];
  const taken = new Set(entries.map((e) => e.path));
  const rotated: string[] = []; // rotated copies, by the names they have once the plan ran
  const addRotated = (path: string) => rotated.push(path);
  for (const e of entries) {
    const name = basename(e.path);
    if (e.type === 'file' && name.endsWith(PARTIAL_SUFFIX)) {
      ops.push({ op: 'remove', path: e.path, why: 'partial' });
    } else if (e.type === 'file' && name.endsWith(COPIED_SUFFIX)) {
      const to = e.path.slice(0, -COPIED_SUFFIX.length);
      ops.push({ op: 'finish', copied: e.path, to, compress: policy.compress });
      addRotated(policy.compress ? `${to}.zst` : to);
    } else if (e.type === 'file' && parseRotatedName(name)) {
      addRotated(e.path);
    } else if (isLiveLogName(name) && skipReason(e) !== null) {
      // As locally: a log name that is not a regular file is reported whatever its size.
      skipped.push({ file: rel(e.path), reason: skipReason(e) as string });
    } else if (isLiveLogName(name) && e.type === 'file' && e.size > policy.maxBytes) {
      if (e.links > 1) {
        skipped.push({ file: rel(e.path), reason: `is a file with ${e.links} hard links` });
        continue;
      }
      const to = freeRotatedName(e.path, policy.stamp, taken);
      ops.push({ op: 'copytrunc', from: e.path, to, bytes: e.size });
      ops.push({ op: 'finish', copied: `${to}${COPIED_SUFFIX}`, to, compress: policy.compress });
      addRotated(policy.compress ? `${to}.zst` : to);
    }
  }
  for (const path of copiesBeyondKeep(rotated, policy.keep)) ops.push({ op: 'remove', path, why: 'old' });
  return { ops, skipped };
}

function actArgs(ops: readonly RotateOp[]): string[] {
  return ops.flatMap((o) => {
    if (o.op === 'copytrunc') return ['copytrunc', o.from, o.to];
    if (o.op === 'finish') return ['finish', o.copied, o.to, o.compress ? '1' : '0'];
    return ['remove', o.path];
  });
}

const HELPER_ROOT = '/v';

/**
 * `logs rotate` through a remote podman (podman machine): the logs volume is listed and rotated by two
 * throwaway containers of the stack's own image through the named volume (root of the machine's rootless
 * user namespace, as `podman unshare` is locally). Same names, recovery and retention as local rotation;
 * every file is copied and truncated; copies are zstd-compressed when the image has zstd, else kept plain.
 */
export async function rotateThroughHelper(
  podman: Podman,
  stack: Stack,
  spec: VolumeSpec,
  policy: {
    maxBytes: number;
    keep: number;
    compress: boolean;
    now?: Date;
    /** Why every log counts as open (the HOW column); default: the machine's processes cannot be seen. */
    heldBy?: string;
  },
): Promise<RotationReport> {
  const image = await helperImages(podman, stack)(spec);
  if (image === null) {
    throw new PhoenixError(
      'PODMAN_FAILED',
      `the machine has none of ${stack.project}'s images to rotate logs in`,
      {
        hint: "podman-compose pull   # the rotation runs in the stack's own image and never pulls",
      },
    );
  }
  const helper = async (mode: 'list' | 'act', args: readonly string[]) => {
    const r = await runHelperScript(
      podman,
      image,
      ROTATE_SCRIPT,
      [HELPER_ROOT, mode, ROTATE_SCRIPT, ...args],
      {
        mounts: [{ source: `${stack.project}_${spec.name}`, target: HELPER_ROOT }],
      },
    );
    if (r.exitCode !== 0 && mode === 'list') {
      throw new PhoenixError('PODMAN_FAILED', `listing ${spec.name} in a helper failed: ${r.stderr.trim()}`, {
        details: { stderr: r.stderr },
      });
    }
    return r;
  };
  const stamp = rotationStamp(policy.now ?? new Date());
  const plan = planRotation(parseListing((await helper('list', [])).stdout), { ...policy, stamp });
  const report: RotationReport = {
    dir: `${stack.project}_${spec.name}`,
    rotated: [],
    compressed: [],
    removed: [],
    recovered: [],
    skipped: plan.skipped,
  };
  if (plan.ops.length === 0) return report;
  const done = await helper('act', actArgs(plan.ops));
  const lines = done.stdout.split('\n').filter((l) => l !== '' && l !== 'done');
  const copied = new Map<string, number>();
  for (const [index, o] of plan.ops.entries()) {
    const [, word, size] = (lines[index] ?? '').split(' ');
    if (word === undefined || word === 'fail') {
      throw new PhoenixError(
        'PODMAN_FAILED',
        `rotating ${spec.name}: ${o.op} ${JSON.stringify(rel(o.op === 'remove' ? o.path : o.to))} failed: ${done.stderr.trim().split('\n').at(-1) ?? ''}`,
        { details: { stderr: done.stderr, report } },
      );
    }
    if (o.op === 'copytrunc') copied.set(o.to, o.bytes);
    else if (o.op === 'remove' && o.why === 'old') report.removed.push(rel(o.path));
    else if (o.op === 'finish') {
      const to = rel(word === 'zst' ? `${o.to}.zst` : o.to);
      if (word === 'zst') report.compressed.push(to);
      const bytes = copied.get(o.to);
      if (bytes === undefined) report.recovered.push(to);
      else {
        const from = plan.ops.find(
          (x): x is Extract<RotateOp, { op: 'copytrunc' }> => x.op === 'copytrunc' && x.to === o.to,
        );
        report.rotated.push(rotatedFile(rel(from?.from ?? o.to), to, bytes, Number(size), policy.heldBy));
      }
    }
  }
  return report;
}

/** The HOW of a remote copy+truncate when no running container explains it. */
const UNSEEN_HOLDERS = "the machine's processes cannot be seen from here";

function rotatedFile(
  file: string,
  to: string,
  bytes: number,
  storedBytes: number,
  heldBy = UNSEEN_HOLDERS,
): RotatedFile {
  return { file, to, bytes, storedBytes, method: 'copy-truncate', heldBy };
}
