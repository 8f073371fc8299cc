import { lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { lockDir, machineParentOf, PhoenixError, type Stack, toMachinePath } from '@phoenix-hydra/core';
import { type NginxTestResult, nginxRunAs, testNginxConfig } from '@phoenix-hydra/diagnostics';
import {
  type Podman,
  runHelperScript,
  type VolumeFileOp,
  volumeFilesFor,
} from '@phoenix-hydra/podman-adapter';
import { MAX_CONFIG_FILE_BYTES, refusedEntry } from './copy-config-tree.ts';
import {
  type DeployOptions,
  type DeployReport,
  invalidConfigError,
  KEEP_OLD_CONFIGS,
  nginxConfigVolume,
  nginxImage,
  reloadOrRollBack,
  sourceOf,
  timeTag,
} from './deploy-config.ts';
import { stageConfig } from './stage-config.ts';

/**
 * The one fixed script of a remote deploy's helpers (names are "$@" data, never shell text). The helper
 * mounts the directory holding the live configuration directory NAME at /b (so its kept copies sit beside
 * it, as the local deploy keeps them: `NAME.previous-TAG`, `NAME.failed-TAG`, `NAME.staging-TAG`), and
 * the staging volume (what nginx -t tests) at $S (default /s). Modes, after `/b NAME`:
 * - `stage ENTRY`: finishes or undoes an interrupted swap and removes staging copies it left, then checks
 *   the live entries except ENTRY, copies them into $S (links as links) and checks the copy: a link whose
 *   target leaves the configuration (by its text or resolved), a FIFO, socket or device node, or a file
 *   over 64 MiB is refused (exit 4) before anything changes, as the local stageConfig refuses them;
 *   `peek ENTRY` does the same without the repair (`nginx test` holds no deploy lock);
 * - `swap TAG OWNER`: the repair, then copies $S into `NAME.staging-TAG`, gives it OWNER (`-` keeps root;
 *   `chown -h`, links never followed), moves the live entries to `NAME.previous-TAG` and the staged ones in;
 * - `back TAG`: the same swap with `NAME.previous-TAG` coming in and the refused files going to
 *   `NAME.failed-TAG`;
 * - `recover`: only the repair.
 * Every move is a rename within /b; a journal (`NAME.phoenix-swap`: phase, incoming, saved) written before
 * each phase lets the repair undo phase 1 (old files back) or finish phase 2 (new files in), as the local
 * deploy's recoverSwap does. Output: NUL-terminated `key:value` records (`name:` each copied entry,
 * `undid:`/`finished:` a repair, `removed:` a staging copy, `refused-*:` a refusal), `ok:` last.
 */
export const DEPLOY_SCRIPT = `cd "$1" || exit 3
L=$2
mode=$3
shift 3
S=\${S:-/s}
rec() { printf '%s:%s\\0' "$1" "$2"; }
moveall() {
  for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    b=\${e##*/}
    if [ -e "$2/$b" ] || [ -L "$2/$b" ]; then echo "$b exists" >&2; return 1; fi
    mv -- "$e" "$2/$b" || return 1
  done
}
journal() { printf '%s %s %s\\n' "$1" "$2" "$3" > "$L.phoenix-swap.tmp" && mv -f -- "$L.phoenix-swap.tmp" "$L.phoenix-swap"; }
recover() {
  if [ -f "$L.phoenix-swap" ]; then
    read -r phase inc save < "$L.phoenix-swap" || return 1
    case $inc$save in ''|*[!A-Za-z0-9.-]*|*..*) echo "bad journal" >&2; return 1 ;; esac
    if [ "$phase" = 1 ]; then
      if [ -d "$L.$save" ]; then moveall "$L.$save" "$L" && rmdir -- "$L.$save" || return 1; fi
      rec undid "$inc $save"
    else
      if [ -d "$L.$inc" ]; then moveall "$L.$inc" "$L" && rmdir -- "$L.$inc" || return 1; fi
      rec finished "$inc $save"
    fi
    rm -f -- "$L.phoenix-swap"
  fi
  for d in "$L".staging-*; do
    [ -e "$d" ] || [ -L "$d" ] || continue
    rm -rf -- "$d" || return 1
    rec removed "\${d#"$L".}"
  done
}
inside() {
  case $2 in /*) return 1 ;; esac
  d=0; p=$1
  while :; do case $p in */*) p=\${p#*/}; d=$((d + 1)) ;; *) break ;; esac; done
  q=$2
  while [ -n "$q" ]; do
    c=\${q%%/*}
    if [ "$c" = "$q" ]; then q=; else q=\${q#*/}; fi
    case $c in ''|.) ;; ..) d=$((d - 1)); [ "$d" -ge 0 ] || return 1 ;; *) d=$((d + 1)) ;; esac
  done
}
check() {
  for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    b=\${e##*/}
    if [ -z "$2" ]; then
      [ "$b" = "$4" ] && continue
      case $b in .phoenix-previous-*|.phoenix-failed-*|.phoenix-staging-*|.phoenix-swap*) continue ;; esac
    fi
    r=$2$b
    if [ -L "$e" ]; then
      t=$(readlink -- "$e"; echo .); t=\${t%?.}
      x=$(readlink -f -- "$e") || x=
      out=0
      inside "$r" "$t" || out=1
      if [ -n "$x" ]; then case $x in "$3"|"$3"/*) ;; *) out=1 ;; esac; fi
      if [ $out = 1 ]; then rec refused-link "$r"; rec target "$t"; exit 4; fi
    elif [ -d "$e" ]; then
      check "$e" "$r/" "$3" "$4"
    elif [ -f "$e" ]; then
      n=$(stat -c %s -- "$e") || exit 1
      if [ "$n" -gt MAX_BYTES ]; then rec refused-size "$r"; rec size "$n"; exit 4; fi
    else
      w='a device node'; [ -p "$e" ] && w='a FIFO'; [ -S "$e" ] && w='a socket'
      rec refused-type "$r"; rec what "$w"; exit 4
    fi
  done
}
swap() {
  mkdir -m 755 -- "$L.$2" || return 1
  journal 1 "$1" "$2" || return 1
  moveall "$L" "$L.$2" || return 1
  journal 2 "$1" "$2" || return 1
  moveall "$L.$1" "$L" || return 1
  rmdir -- "$L.$1" && rm -f -- "$L.phoenix-swap"
}
prune() {
  for kind in previous failed; do
    n=0
    for d in "$L".$kind-*; do [ -e "$d" ] && n=$((n + 1)); done
    for d in "$L".$kind-*; do
      [ "$n" -gt KEEP ] || break
      [ -e "$d" ] && rm -rf -- "$d"
      n=$((n - 1))
    done
  done
}
case $mode in
stage|peek)
  if [ "$mode" = stage ]; then recover || exit 1; fi
  [ -d "$L" ] || { echo "$L is not a directory" >&2; exit 1; }
  check "$L" "" "$(cd "$L" && pwd -P)" "$1"
  for e in "$L"/* "$L"/.[!.]* "$L"/..?*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    b=\${e##*/}
    case $b in .phoenix-previous-*|.phoenix-failed-*|.phoenix-staging-*|.phoenix-swap*) continue ;; esac
    [ "$b" = "$1" ] && continue
    cp -PR -- "$e" "$S/$b" || exit 1
    rec name "$b"
  done
  check "$S" "" "$(cd "$S" && pwd -P)" "" ;;
swap)
  recover || exit 1
  cp -PR -- "$S" "$L.staging-$1" && chmod 755 "$L.staging-$1" || exit 1
  if [ "$2" != - ]; then chown -hR -- "$2" "$L.staging-$1" || exit 1; fi
  swap "staging-$1" "previous-$1" || { recover; exit 1; }
  prune ;;
back)
  recover || exit 1
  swap "previous-$1" "failed-$1" || { recover; exit 1; } ;;
recover) recover || exit 1 ;;
*) exit 2 ;;
esac
rec ok ''
`
  .replace('KEEP', String(KEEP_OLD_CONFIGS))
  .replace('MAX_BYTES', String(MAX_CONFIG_FILE_BYTES));

/** The staging volume of a project's remote deploy: one at a time (the deploy lock), removed afterwards. */
export const stagingVolume = (project: string) => `${project}_phoenix-nginx-staging`;

/**
 * The volume operations that write a staged configuration (a local copy stageConfig checked) into the
 * staging volume: directories 0755, files 0644, owned by root as the container sees it (nginx reads
 * them as any user). Links are refused: remotely they cannot be written without following them.
 */
export async function stagedOps(dir: string, rel = ''): Promise<VolumeFileOp[]> {
  const ops: VolumeFileOp[] = [];
  for (const name of (await readdir(join(dir, rel))).sort()) {
    const path = rel === '' ? name : `${rel}/${name}`;
    const st = await lstat(join(dir, path));
    if (st.isDirectory()) {
      ops.push({ op: 'mkdir', path, mode: 0o755 }, ...(await stagedOps(dir, path)));
    } else if (st.isFile()) {
      const bytes = await readFile(join(dir, path));
      ops.push({ op: 'writeFile', path, bytes, mode: 0o644, owner: { uid: 0, gid: 0 } });
    } else {
      throw new PhoenixError(
        'USAGE',
        `${path} is a link: a remote deploy copies files and directories only`,
        {
          hint: 'replace the link by the file it points to, or deploy on the machine that runs podman',
        },
      );
    }
  }
  return ops;
}

/** Where the live configuration directory is on the machine: its parent (what helpers mount) and name. */
export interface LiveOnMachine {
  /** The named volume the nginx containers mount. */
  volume: string;
  parent: string;
  name: string;
  /** How messages name the directory: the compose file's path when the machine has it there (as locally). */
  shown: string;
}

/**
 * Finds the live configuration directory on the machine: the named volume's bind device (setup binds
 * `<base>/nginx_config`), else a plain volume's `_data` (its kept copies then sit beside it in podman's
 * directory of that volume, removed with it). Its parent is what the helpers mount, so kept copies are
 * siblings, never inside the live configuration (backups and tools reading conf.d never see them).
 */
export async function liveOnMachine(
  stack: Stack,
  podman: Podman,
  platform: NodeJS.Platform = process.platform,
): Promise<LiveOnMachine> {
  const spec = nginxConfigVolume(stack);
  const volume = `${stack.project}_${spec.name}`;
  const info = await podman.volumeInspect(volume);
  if (info === null) await requireLiveVolume(podman, volume);
  const client = toMachinePath(spec.hostPath, platform);
  const machine = info?.device ?? info?.mountpoint ?? spec.hostPath;
  const { parent, name } = machineParentOf(machine, 'linux');
  const shown = machine === client ? spec.hostPath : `${parent}/${name}`;
  return { volume, parent, name, shown };
}

/** A helper's NUL-terminated `key:value` records, in order. */
export function helperRecords(stdout: string): [string, string][] {
  const records = stdout.split('\0');
  records.pop();
  return records.map((r) => {
    const colon = r.indexOf(':');
    return [r.slice(0, colon), r.slice(colon + 1)];
  });
}

/** The refusal a helper reported (exit 4), worded as the local stageConfig words it. */
function helperRefusal(live: LiveOnMachine, records: [string, string][]): PhoenixError | null {
  const value = (key: string) => records.find(([k]) => k === key)?.[1];
  const origin = { path: live.shown, label: `the live configuration ${live.shown}` };
  const link = value('refused-link');
  if (link !== undefined)
    return refusedEntry(origin, `${link} -> ${value('target')}`, 'that leaves the configuration directory');
  const big = value('refused-size');
  if (big !== undefined)
    return refusedEntry(origin, big, `of ${value('size')} bytes (a configuration file is at most 64 MiB)`);
  const special = value('refused-type');
  if (special !== undefined) return refusedEntry(origin, special, `which is ${value('what')}`);
  return null;
}

/**
 * Runs DEPLOY_SCRIPT in a helper mounting the live directory's parent at /b (and `staging` at /s); tells
 * through `step` what a repair did; returns the names a `stage` copied. USAGE for a refused live entry.
 */
async function deployHelper(
  podman: Podman,
  image: string,
  live: LiveOnMachine,
  staging: string | null,
  args: readonly string[],
  step: (line: string) => void,
): Promise<string[]> {
  const r = await runHelperScript(podman, image, DEPLOY_SCRIPT, ['/b', live.name, ...args], {
    mounts: [{ source: live.parent, target: '/b' }, ...(staging ? [{ source: staging, target: '/s' }] : [])],
    timeoutMs: 120_000,
  });
  const records = helperRecords(r.stdout);
  const at = (suffix: string) => `${live.shown}.${suffix}`;
  for (const [key, value] of records) {
    const [incoming = '', saved = ''] = value.split(' ');
    if (key === 'undid')
      step(
        `undid a swap an interrupted deploy began: the entries moved back from ${at(saved)} into ${live.shown}`,
      );
    if (key === 'finished')
      step(
        `finished a swap an interrupted deploy began: ${live.shown} now holds ${at(incoming)}'s configuration (the replaced files are in ${at(saved)}); nginx was not reloaded with it`,
      );
    if (key === 'removed') step(`removed ${at(value)}, left by an interrupted deploy`);
  }
  const refusal = r.exitCode === 4 ? helperRefusal(live, records) : null;
  if (refusal) throw refusal;
  if (r.exitCode !== 0 || records.at(-1)?.[0] !== 'ok') {
    throw new PhoenixError(
      'PODMAN_FAILED',
      `nginx deploy helper (${args[0]}) on ${live.shown} failed: ${r.stderr.trim().split('\n').at(-1) ?? `exit code ${r.exitCode}`}`,
      { details: { exitCode: r.exitCode, stderr: r.stderr } },
    );
  }
  return records.filter(([key]) => key === 'name').map(([, name]) => name);
}

/**
 * Refuses a live configuration volume podman does not have: mounting it by name would create it empty on
 * the machine (a local bind of a missing directory fails instead).
 */
export async function requireLiveVolume(podman: Podman, live: string): Promise<void> {
  if ((await podman.volumeInspect(live)) !== null) return;
  throw new PhoenixError('VOLUME_DRIFT', `podman has no volume ${live} on the machine`, {
    hint: "create the stack's volumes first: phoenix-volumes setup",
  });
}

/**
 * `nginx -t` on a configuration on the machine (a named volume as conf.d) in a throwaway container of the
 * service's image, as the service's user with its other volumes reached by their named volumes.
 */
export async function testOnMachine(
  stack: Stack,
  podman: Podman,
  confVolume: string,
): Promise<{ test: NginxTestResult; user: string | undefined }> {
  const spec = nginxConfigVolume(stack);
  const image = nginxImage(stack, spec);
  const runAs = await nginxRunAs(stack, spec, { selinux: false });
  // The service's other volumes (certificates, logs) as the machine has them: by their named volumes.
  const mounts = runAs.mounts.map((m) => {
    const volume = stack.volumes.find((v) => v.hostPath === m.source);
    return volume ? { ...m, source: `${stack.project}_${volume.name}` } : m;
  });
  const test = await testNginxConfig(podman, image, confVolume, { runAs: { ...runAs, mounts } });
  return { test, user: runAs.user };
}

/**
 * Writes `source` (a directory of configuration, or one file completed from the live files) into the
 * volume `staging` on the machine, then runs testOnMachine on it. `scratch` is a local directory for
 * stageConfig's checked copy. The live volume is only read, unless `recover` finishes or undoes its
 * interrupted swap.
 */
export async function stageAndTestOnMachine(
  stack: Stack,
  podman: Podman,
  options: {
    source: string;
    staging: string;
    scratch: string;
    step: (line: string) => void;
    /** Finish or undo an interrupted swap in the live volume first (only under the deploy lock). */
    recover: boolean;
    /** liveOnMachine's answer, when the caller has it already. */
    live?: LiveOnMachine;
  },
): Promise<{ test: NginxTestResult; names: string[]; isDirectory: boolean; user: string | undefined }> {
  const { staging, step } = options;
  const spec = nginxConfigVolume(stack);
  const image = nginxImage(stack, spec);
  const files = await volumeFilesFor(podman);
  const source = await lstat(options.source).catch((cause: unknown) => {
    throw new PhoenixError('USAGE', `cannot read ${options.source}: ${(cause as Error).message}`, {
      hint: 'pass an nginx configuration file (site.conf) or a directory of them',
      cause,
    });
  });
  step(`staging ${options.source} in the volume ${staging} on the machine`);
  let names: string[];
  if (source.isDirectory()) {
    const dir = join(options.scratch, 'conf.d');
    names = await stageConfig({ live: '', source: options.source, staging: dir });
    await files.batch({ source: staging, path: '', image }, await stagedOps(dir));
    names = (await readdir(dir)).sort();
  } else if (source.isFile()) {
    const name = basename(options.source);
    const live = options.live ?? (await liveOnMachine(stack, podman));
    const mode = options.recover ? 'stage' : 'peek';
    const copied = await deployHelper(podman, image, live, staging, [mode, name], step);
    const bytes = await readFile(options.source);
    await files.batch({ source: staging, path: '', image }, [
      { op: 'writeFile', path: name, bytes, mode: 0o644, owner: { uid: 0, gid: 0 } },
    ]);
    // Every file of the new configuration, as the local deploy lists its staging directory.
    names = [...new Set([...copied, name])].sort();
  } else {
    throw new PhoenixError('USAGE', `${options.source} is neither a file nor a directory`, {
      hint: 'pass an nginx configuration file (site.conf) or a directory of them',
    });
  }
  const runAs = await nginxRunAs(stack, spec, { selinux: false });
  const as = runAs.user === undefined ? '' : ` as ${runAs.user}, the service's user`;
  step(`testing it with nginx -t in a throwaway ${image} container${as}`);
  const { test, user } = await testOnMachine(stack, podman, staging);
  return { test, names, isDirectory: source.isDirectory(), user };
}

/**
 * The deploy's local scratch directory, emptied: `nginx-deploy.scratch` beside the project's deploy lock
 * (the caller holds it), so a deploy killed with SIGKILL leaves it where the next deploy clears it, not a
 * new directory in /tmp each time.
 */
export async function deployScratch(project: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const scratch = join(lockDir(project, env), 'nginx-deploy.scratch');
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  return scratch;
}

/**
 * `nginx deploy` through a remote podman (podman machine): the volume's data is on the machine. The new
 * configuration is written into a staging volume by a helper, completed there from the live files when it
 * is a single file (links leaving the configuration refused, as locally), tested with `nginx -t` in a
 * throwaway container of the service's image as the service's user with the staging volume as conf.d,
 * then copied beside the live directory and swapped in by renames (DEPLOY_SCRIPT) by a helper mounting the
 * directory's parent, the replaced files kept beside it as `<dir>.previous-TAG`, where the local deploy
 * keeps them. Reload, health checks and rollback are the local deploy's.
 */
export async function deployThroughHelper(
  stack: Stack,
  podman: Podman,
  options: DeployOptions,
): Promise<DeployReport> {
  const spec = nginxConfigVolume(stack);
  const image = nginxImage(stack, spec);
  const step = options.onStep ?? (() => undefined);
  const tag = timeTag(options.now ?? new Date());
  const live = await liveOnMachine(stack, podman);
  const staging = stagingVolume(stack.project);
  const helper = (withStaging: boolean, args: readonly string[]) =>
    deployHelper(podman, image, live, withStaging ? staging : null, args, step);

  // A staging volume an interrupted deploy left goes first (callers hold the deploy lock); -f also ends
  // a helper of a killed deploy still running on the machine.
  await podman.volumeRm(staging, { force: true }).catch(() => undefined);
  const scratch = await deployScratch(stack.project);
  try {
    const staged = await stageAndTestOnMachine(stack, podman, {
      source: options.source,
      staging,
      scratch,
      step,
      recover: true,
      live,
    });
    const { test } = staged;
    if (!test.ok) {
      throw invalidConfigError(test, options.source, (p) => sourceOf(p, options.source, staged.isDirectory));
    }

    const all = await podman.inspectAllContainers();
    const running = all
      .filter((c) => c.running && c.mounts.some((m) => m.name === live.volume))
      .map((c) => c.name);
    const previous = `${live.shown}.previous-${tag}`;
    step(`swapping it into ${live.shown} (the replaced files go to ${previous})`);
    const owner = spec.owner ? `${spec.owner.uid}:${spec.owner.gid}` : '-';
    await helper(true, ['swap', tag, owner]);
    const report: DeployReport = {
      volume: spec.name,
      live: live.shown,
      files: staged.names,
      test,
      previous,
      reloads: [],
    };
    return await reloadOrRollBack(podman, report, running, options, {
      keptAt: `${live.shown}.failed-${tag}`,
      swapBack: () => helper(false, ['back', tag]),
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await podman.volumeRm(staging, { force: true }).catch(() => undefined);
  }
}
