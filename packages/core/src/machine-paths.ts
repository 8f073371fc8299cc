import { posix, win32 } from 'node:path';
import { PhoenixError } from '@phoenix-hydra/errors';
import type { Platform } from './platform-dirs.ts';

/** A problem podman machine users meet, in the words `check`/`doctor`/errors show: what, and the fix. */
export interface MachineDiagnosis {
  code: 'BIND_OUTSIDE_SHARE' | 'CHOWN_ON_SHARE' | 'RELABEL_ON_SHARE' | 'BIND_PATH_UNSUPPORTED';
  message: string;
  hint: string;
}

const DRIVE = /^([A-Za-z]):(?:[\\/]|$)/;

/**
 * A path as the podman machine sees it, for a path on this computer: Windows drive paths become WSL's
 * `/mnt/<drive>/…` (`C:\Users\x\data` → `/mnt/c/Users/x/data`); on macOS and Linux the machine mounts
 * shared folders at the same path. Null for what the machine cannot reach by path (UNC shares, relative
 * paths).
 */
export function toMachinePath(path: string, platform: Platform): string | null {
  if (platform !== 'win32') return posix.isAbsolute(path) ? posix.normalize(path) : null;
  const drive = DRIVE.exec(path);
  if (!drive?.[1]) return null;
  const rest = path
    .slice(2)
    .split(/[\\/]+/)
    .filter((p) => p !== '');
  return posix.join('/mnt', drive[1].toLowerCase(), ...rest);
}

/**
 * A volume directory as a helper container reaches it on the machine: the machine path of the directory
 * holding it (what the helper mounts, since a swap renames the directory itself) and its name there.
 * USAGE for a path the machine cannot reach by path or one without a parent (`/`, `C:\`).
 */
export function machineParentOf(hostPath: string, platform: Platform): { parent: string; name: string } {
  const machine = toMachinePath(hostPath, platform);
  const name = machine === null ? '' : posix.basename(machine);
  if (
    machine === null ||
    name === '' ||
    posix.dirname(machine) === machine ||
    /^\/mnt\/[a-z]$/i.test(machine)
  ) {
    throw new PhoenixError('USAGE', `${hostPath} is not a volume directory a podman machine can reach`, {
      hint: 'give the volume an absolute path on a local drive below a folder (or keep it a named volume)',
    });
  }
  return { parent: posix.dirname(machine), name };
}

/** The reverse of toMachinePath: `/mnt/c/Users/x` → `C:\Users\x`; null for a path only the machine has. */
export function toClientPath(machinePath: string, platform: Platform): string | null {
  if (platform !== 'win32') return posix.isAbsolute(machinePath) ? machinePath : null;
  const m = /^\/mnt\/([a-z])(?:\/(.*))?$/i.exec(posix.normalize(machinePath));
  if (!m?.[1]) return null;
  return win32.join(`${m[1].toUpperCase()}:\\`, ...(m[2] ?? '').split('/').filter((p) => p !== ''));
}

/** One compose short-syntax volume (`SRC:DST[:OPTS]`), where SRC may itself hold a drive colon (`C:\x`). */
export function splitVolumeSpec(
  spec: string,
): { source: string; target: string; options: string | null } | null {
  const drive = DRIVE.test(spec) ? spec.slice(0, 2) : '';
  const [source, target, options, ...extra] = spec.slice(drive.length).split(':');
  if (source === undefined || target === undefined || extra.length > 0 || drive + source === '') return null;
  return { source: drive + source, target, options: options ?? null };
}

/**
 * The folders a podman machine shares from this computer by default: on macOS podman 5 shares /Users,
 * /private and /var/folders (podman 4 shared $HOME); on Windows WSL mounts every drive; on Linux podman
 * runs here and sees everything (null: no limit).
 */
export function defaultMachineShares(platform: Platform, home: string): string[] | null {
  if (platform === 'darwin') return [...new Set([home, '/Users', '/private', '/var/folders'])];
  if (platform === 'win32') return ['/mnt'];
  return null;
}

const inside = (path: string, dir: string) =>
  path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/**
 * Whether a bind mount's source can reach the machine: null when it can, else the diagnosis (podman's own
 * words would be `statfs …: no such file or directory`, naming neither the share nor the fix).
 */
export function diagnoseBindSource(
  source: string,
  platform: Platform,
  shares: readonly string[] | null,
): MachineDiagnosis | null {
  const onMachine = toMachinePath(source, platform);
  if (onMachine === null) {
    return {
      code: 'BIND_PATH_UNSUPPORTED',
      message: `${source} cannot be mounted from a podman machine (not an absolute path on a local drive)`,
      hint: "use a named volume (keeps the data on the machine's own disk), or a folder on a local drive",
    };
  }
  if (shares === null || shares.some((dir) => inside(onMachine, dir))) return null;
  return {
    code: 'BIND_OUTSIDE_SHARE',
    message: `${source} is outside the folders the podman machine shares (${shares.join(', ')})`,
    hint: `move it under ${shares[0]}, or share it: podman machine init --volume ${source}:${onMachine} (a new machine), or use a named volume`,
  };
}

/**
 * Reads podman's stderr from a failed run or setup through a podman machine and names the known cause:
 * a bind source the machine cannot see, chown refused on a virtiofs/9p share (macOS, Windows), `:Z`
 * relabelling refused on a share. Null when it is none of these.
 */
export function diagnoseMachineError(
  stderr: string,
  platform: Platform,
  source = 'the directory',
): MachineDiagnosis | null {
  if (/statfs .*no such file or directory/i.test(stderr)) {
    return {
      code: 'BIND_OUTSIDE_SHARE',
      message: `the podman machine cannot see ${source}: it is not in a folder shared with the machine`,
      hint: `keep the data in a named volume on the machine's disk (phoenix-volumes setup does so), or share the folder with the machine${platform === 'darwin' ? ' (podman machine init --volume)' : ''}`,
    };
  }
  if (/\bl?chown\b.*(operation not permitted|permission denied)/i.test(stderr)) {
    return {
      code: 'CHOWN_ON_SHARE',
      message: `${source} is on a folder shared from this computer (virtiofs/9p), where the machine cannot give files to the container's user`,
      hint: "keep the data in a named volume on the machine's own disk: remove the bind device from the compose file's volume and run phoenix-volumes setup again",
    };
  }
  if (/(lsetxattr|setxattr|relabel).*(operation not supported|not supported)/i.test(stderr)) {
    return {
      code: 'RELABEL_ON_SHARE',
      message: `${source} is on a shared folder that cannot carry SELinux labels (:Z / :z)`,
      hint: 'drop :Z/:z from that bind mount (the share needs no label), or use a named volume',
    };
  }
  return null;
}
