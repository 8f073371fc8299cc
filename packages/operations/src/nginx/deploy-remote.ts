import { lstat, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PhoenixError, type Stack } from '@phoenix-hydra/core';
import { type NginxTestResult, nginxRunAs, testNginxConfig } from '@phoenix-hydra/diagnostics';
import { type Podman, type VolumeFileOp, volumeFilesFor } from '@phoenix-hydra/podman-adapter';
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
 * The one fixed script of a remote deploy's helpers (names are "$@" data, never shell text). The live
 * volume is at /v, the staging volume (what nginx -t passed) at /s. Modes:
 * - `stage NAME`: finishes or undoes an interrupted swap, then copies the live entries except NAME (and our
 *   own `.phoenix-*`) into /s, links as links;
 * - `swap TAG OWNER`: finishes or undoes an interrupted swap, copies /s into `.phoenix-staging-TAG`, gives
 *   it OWNER (`-` keeps root), moves the live entries to `.phoenix-previous-TAG` and the staged ones in;
 * - `back PREVIOUS FAILED`: the same swap with PREVIOUS coming in and the refused files going to FAILED;
 * - `recover`: only the repair.
 * Every move is a rename inside the volume; a journal (`.phoenix-swap`: phase, incoming, saved) written
 * before each phase lets `recover` undo phase 1 (old files back) or finish phase 2 (new files in), as the
 * local deploy's recoverSwap does. Links are renamed or copied as links, never followed. Prints
 * `recovered undid|finished`, then `ok`, no user data.
 */
export const DEPLOY_SCRIPT = `cd "$1" || exit 3
mode=$2
shift 2
moveall() {
  for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    b=\${e##*/}
    if [ "$3" = 1 ]; then case $b in .phoenix-*) continue ;; esac; fi
    if [ -e "$2/$b" ] || [ -L "$2/$b" ]; then echo "$b exists" >&2; return 1; fi
    mv -- "$e" "$2/$b" || return 1
  done
}
journal() { printf '%s %s %s\\n' "$1" "$2" "$3" > .phoenix-swap.tmp && mv -f .phoenix-swap.tmp .phoenix-swap; }
recover() {
  [ -f .phoenix-swap ] || return 0
  read -r phase inc save < .phoenix-swap || return 1
  case $inc$save in *[!A-Za-z0-9.-]*) echo "bad journal" >&2; return 1 ;; esac
  if [ "$phase" = 1 ]; then
    moveall "$save" . 0 || return 1; rmdir "$save" || return 1; echo "recovered undid"
  else
    moveall "$inc" . 0 || return 1; rmdir "$inc" || return 1; echo "recovered finished"
  fi
  rm -f .phoenix-swap
}
swap() {
  mkdir -m 755 "$2" || return 1
  journal 1 "$1" "$2" || return 1
  moveall . "$2" 1 || return 1
  journal 2 "$1" "$2" || return 1
  moveall "$1" . 0 || return 1
  rmdir "$1" && rm -f .phoenix-swap
}
prune() {
  for kind in previous failed; do
    ls -d .phoenix-$kind-* 2>/dev/null | sort -r | tail -n +$((KEEP + 1)) | while read -r d; do rm -rf -- "$d"; done
  done
}
case $mode in
stage)
  recover || exit 1
  for e in ./* ./.[!.]* ./..?*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    b=\${e##*/}
    case $b in .phoenix-*) continue ;; esac
    [ "$b" = "$1" ] && continue
    cp -PR -- "$e" "/s/$b" || exit 1
  done ;;
swap)
  recover || exit 1
  rm -rf .phoenix-staging-*
  cp -PR /s ".phoenix-staging-$1" && chmod 755 ".phoenix-staging-$1" || exit 1
  if [ "$2" != - ]; then chown -hR "$2" ".phoenix-staging-$1" || exit 1; fi
  swap ".phoenix-staging-$1" ".phoenix-previous-$1" || { recover; exit 1; }
  prune ;;
back)
  recover || exit 1
  swap "$1" "$2" || { recover; exit 1; } ;;
recover) recover || exit 1 ;;
*) exit 2 ;;
esac
echo ok
`.replace('KEEP + 1', String(KEEP_OLD_CONFIGS + 1));

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

/**
 * `nginx deploy` through a remote podman (podman machine): the volume's data is on the machine, reached
 * through its named volume only. The new configuration is written into a staging volume by a helper,
 * completed there from the live files when it is a single file, tested with `nginx -t` in a throwaway
 * container of the service's image as the service's user with the staging volume as conf.d, then copied
 * into the live volume and swapped in by renames (DEPLOY_SCRIPT), the replaced files kept in the volume as
 * `.phoenix-previous-TAG`. Reload, health checks and rollback are the local deploy's.
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
  const live = `${stack.project}_${spec.name}`;
  const staging = stagingVolume(stack.project);
  const files = await volumeFilesFor(podman);
  const helper = async (mounts: 'live' | 'both', args: readonly string[]) => {
    const r = await podman.run(image, ['-c', DEPLOY_SCRIPT, 'sh', '/v', ...args], {
      user: '0:0',
      entrypoint: 'sh',
      mounts: [
        { source: live, target: '/v' },
        ...(mounts === 'both' ? [{ source: staging, target: '/s' }] : []),
      ],
      labels: { 'io.phoenix-hydra.helper': '1' },
      timeoutMs: 120_000,
    });
    if (r.exitCode !== 0 || !r.stdout.endsWith('ok\n')) {
      throw new PhoenixError(
        'PODMAN_FAILED',
        `nginx deploy helper (${args[0]}) on ${live} failed: ${r.stderr.trim().split('\n').at(-1) ?? `exit code ${r.exitCode}`}`,
        { details: { exitCode: r.exitCode, stderr: r.stderr } },
      );
    }
    for (const line of r.stdout.split('\n')) {
      if (line === 'recovered undid')
        step(`undid a swap an interrupted deploy began in ${live}: the previous configuration is back`);
      if (line === 'recovered finished')
        step(
          `finished a swap an interrupted deploy began in ${live}: it holds the configuration nginx -t had passed; nginx was not reloaded with it`,
        );
    }
  };

  const source = await lstat(options.source).catch((cause: unknown) => {
    throw new PhoenixError('USAGE', `cannot read ${options.source}: ${(cause as Error).message}`, {
      hint: 'pass an nginx configuration file (site.conf) or a directory of them',
      cause,
    });
  });
  // A staging volume an interrupted deploy left goes first (callers hold the deploy lock).
  await podman.volumeRm(staging, { force: true }).catch(() => undefined);
  const scratch = await mkdtemp(join(tmpdir(), 'phoenix-nginx-deploy-'));
  try {
    step(`staging ${options.source} in the volume ${staging} on the machine`);
    let names: string[];
    if (source.isDirectory()) {
      names = await stageConfig({ live: '', source: options.source, staging: join(scratch, 'conf.d') });
      await files.batch({ source: staging, path: '', image }, await stagedOps(join(scratch, 'conf.d')));
    } else if (source.isFile()) {
      const name = basename(options.source);
      await helper('both', ['stage', name]);
      const bytes = await readFile(options.source);
      await files.batch({ source: staging, path: '', image }, [
        { op: 'writeFile', path: name, bytes, mode: 0o644, owner: { uid: 0, gid: 0 } },
      ]);
      names = [name];
    } else {
      throw new PhoenixError('USAGE', `${options.source} is neither a file nor a directory`, {
        hint: 'pass an nginx configuration file (site.conf) or a directory of them',
      });
    }

    const runAs = await nginxRunAs(stack, spec, { selinux: false });
    // The service's other volumes (certificates, logs) as the machine has them: by their named volumes.
    const mounts = runAs.mounts.map((m) => {
      const volume = stack.volumes.find((v) => v.hostPath === m.source);
      return volume ? { ...m, source: `${stack.project}_${volume.name}` } : m;
    });
    const as = runAs.user === undefined ? '' : ` as ${runAs.user}, the service's user`;
    step(`testing it with nginx -t in a throwaway ${image} container${as}`);
    const test: NginxTestResult = await testNginxConfig(podman, image, staging, {
      runAs: { ...runAs, mounts },
    });
    if (!test.ok) {
      throw invalidConfigError(test, options.source, (p) =>
        sourceOf(p, options.source, source.isDirectory()),
      );
    }

    const all = await podman.inspectAllContainers();
    const running = all.filter((c) => c.running && c.mounts.some((m) => m.name === live)).map((c) => c.name);
    const previous = `${live}:.phoenix-previous-${tag}`;
    step(`swapping it into ${live} (the replaced files go to ${previous})`);
    const owner = spec.owner ? `${spec.owner.uid}:${spec.owner.gid}` : '-';
    await helper('both', ['swap', tag, owner]);
    if (source.isDirectory()) names = (await readdir(join(scratch, 'conf.d'))).sort();
    const report: DeployReport = { volume: spec.name, live, files: names, test, previous, reloads: [] };
    const failedDir = `.phoenix-failed-${tag}`;
    return await reloadOrRollBack(podman, report, running, options, {
      keptAt: `${live}:${failedDir}`,
      swapBack: () => helper('live', ['back', `.phoenix-previous-${tag}`, failedDir]),
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await podman.volumeRm(staging, { force: true }).catch(() => undefined);
  }
}
