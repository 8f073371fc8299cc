import { isAbsolute } from 'node:path';
import type { Readable } from 'node:stream';
import { type Owner, PhoenixError } from '@phoenix-hydra/core';
import { type CallResult, call, callAllowFail, type RunnerConfig } from './runner.ts';

/** What a path looks like inside the rootless user namespace (ids are container-side: 999, not 100998). */
export interface UnshareStat {
  path: string;
  uid: number;
  gid: number;
  /** Permission bits including setuid/setgid/sticky (0o7777 mask). */
  mode: number;
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** Apparent size in bytes. */
  size: number;
}

/** Apparent size (`du -sb`: bytes of content, not allocated blocks) and inode count (`du --inodes`, dirs included). */
export interface DiskUsage {
  bytes: number;
  files: number;
}

/** Per-call time limit; tree walks (chown -R, du, rm -rf) over big volumes may need more than the default. */
export interface TimeLimit {
  timeoutMs?: number | undefined;
}

/** Options of chown/chmod. */
export interface TreeOptions extends TimeLimit {
  recursive?: boolean | undefined;
}

const STAT_FORMAT = '%u:%g:%f:%s:%n\\0';

/** Parses `stat --printf '%u:%g:%f:%s:%n\0'` output; NUL-separated so any path (even with newlines) survives. */
export function parseStatOutput(output: string): UnshareStat[] {
  return output
    .split('\0')
    .filter((record) => record !== '')
    .map((record) => {
      const match = /^(\d+):(\d+):([0-9a-f]+):(\d+):([\s\S]*)$/.exec(record);
      if (!match?.[5]) {
        throw new PhoenixError('PODMAN_OUTPUT', `unexpected stat output: ${JSON.stringify(record)}`);
      }
      const raw = Number.parseInt(match[3] ?? '', 16);
      return {
        path: match[5],
        uid: Number(match[1]),
        gid: Number(match[2]),
        mode: raw & 0o7777,
        type: fileType(raw & 0o170000),
        size: Number(match[4]),
      };
    });
}

function fileType(bits: number): UnshareStat['type'] {
  if (bits === 0o040000) return 'directory';
  if (bits === 0o100000) return 'file';
  if (bits === 0o120000) return 'symlink';
  return 'other';
}

/** Parses the first field of `du -s` output (`12345\t/path`). */
export function parseDuOutput(output: string): number {
  const match = /^(\d+)\s/.exec(output);
  if (!match?.[1]) throw new PhoenixError('PODMAN_OUTPUT', `unexpected du output: ${JSON.stringify(output)}`);
  return Number(match[1]);
}

function requirePaths(paths: readonly string[]): void {
  if (paths.length === 0) throw new PhoenixError('USAGE', 'no path given');
  for (const p of paths) {
    if (!isAbsolute(p)) throw new PhoenixError('USAGE', `path must be absolute: ${p}`);
  }
}

/** File operations run inside `podman unshare`, where the user acts as root over its subordinate ids. */
export function createUnshare(config: RunnerConfig) {
  const refuseRoot = (what: string) => {
    if (process.getuid?.() === 0 && process.env._CONTAINERS_USERNS_CONFIGURED === undefined) {
      throw new PhoenixError(
        'USAGE',
        `${what} must run inside the rootless user namespace (podman unshare), which root does not have`,
        {
          hint: 'run phoenix-volumes as the user that runs the rootless containers, not as root or with sudo',
        },
      );
    }
  };
  const unshare = async (argv: readonly string[], options: TimeLimit = {}) => {
    refuseRoot(argv[0] ?? 'the command');
    return call(config, ['unshare', ...argv], { timeoutMs: options.timeoutMs }).catch((error: unknown) => {
      throw remoteRefusal(error, argv[0] ?? 'the command') ?? error;
    });
  };
  return {
    /** chown to container-side ids (999:999 lands as 100998 on the host); -R does not follow symlinks. */
    async chown(paths: readonly string[], owner: Owner, options: TreeOptions = {}): Promise<void> {
      requirePaths(paths);
      const flags = options.recursive ? ['-R'] : [];
      await unshare(['chown', ...flags, '--', `${owner.uid}:${owner.gid}`, ...paths], options);
    },
    /** chmod with numeric mode; works on files the host user no longer owns after a chown. */
    async chmod(paths: readonly string[], mode: number, options: TreeOptions = {}): Promise<void> {
      requirePaths(paths);
      const flags = options.recursive ? ['-R'] : [];
      await unshare(['chmod', ...flags, '--', mode.toString(8).padStart(4, '0'), ...paths], options);
    },
    /** rm -rf of a tree owned by subordinate ids, which the host user cannot delete; refuses `/`. */
    async rmrf(path: string, options: TimeLimit = {}): Promise<void> {
      requirePaths([path]);
      if (path.replace(/\/+$/, '') === '') throw new PhoenixError('USAGE', 'refusing to remove /');
      await unshare(['rm', '-rf', '--one-file-system', '--', path], options);
    },
    /** lstat of each path as the namespace sees it, in the order given. */
    async stat(paths: readonly string[], options: TimeLimit = {}): Promise<UnshareStat[]> {
      requirePaths(paths);
      const result = await unshare(['stat', `--printf=${STAT_FORMAT}`, '--', ...paths], options);
      return parseStatOutput(result.stdout);
    },
    /** Apparent bytes and inode count of a tree, readable even where the host user lacks permission. */
    async du(path: string, options: TimeLimit = {}): Promise<DiskUsage> {
      requirePaths([path]);
      const [bytes, files] = await Promise.all([
        unshare(['du', '-s', '-b', '--', path], options),
        unshare(['du', '-s', '--inodes', '--', path], options),
      ]);
      return { bytes: parseDuOutput(bytes.stdout), files: parseDuOutput(files.stdout) };
    },
    /** mkdir -p; the mode applies to the last component only (parents get the umask default). */
    async mkdir(path: string, mode: number, options: TimeLimit = {}): Promise<void> {
      requirePaths([path]);
      await unshare(['mkdir', '-p', '-m', mode.toString(8).padStart(4, '0'), '--', path], options);
    },
    /** Copies a file as namespace root; `noClobber` leaves an existing destination alone. */
    async cp(source: string, dest: string, options: TimeLimit & { noClobber?: boolean } = {}): Promise<void> {
      requirePaths([source, dest]);
      await unshare(['cp', ...(options.noClobber ? ['--no-clobber'] : []), '--', source, dest], options);
    },
    /** Sets the SELinux type of a tree (`chcon -R -t TYPE`), e.g. container_file_t. */
    async chcon(path: string, type: string, options: TreeOptions = {}): Promise<void> {
      requirePaths([path]);
      if (!/^[a-z0-9_]+$/.test(type)) throw new PhoenixError('USAGE', `invalid SELinux type: ${type}`);
      await unshare(['chcon', ...(options.recursive ? ['-R'] : []), '-t', type, '--', path], options);
    },
    /** The SELinux label of a path (`ls -dZ`); null when labels are unsupported, with podman's reason. */
    async selinuxLabel(
      path: string,
    ): Promise<{ label: string; type: string } | { label: null; reason: string }> {
      requirePaths([path]);
      const result = await callAllowFail(config, ['unshare', 'ls', '-dZ', '--', path]);
      const parsed = result.exitCode === 0 ? parseSelinuxLabel(result.stdout) : null;
      return parsed ?? { label: null, reason: result.stderr.trim() || 'no SELinux label' };
    },
    /**
     * Runs a program inside the namespace and returns its exit code and output as data (no error on a
     * non-zero exit, nor as root, where podman's own refusal is the answer): for tools whose failure is
     * an answer (a probe, a task reporting its own error).
     */
    async run(
      argv: readonly string[],
      options: TimeLimit & { stdin?: Readable | undefined } = {},
    ): Promise<CallResult> {
      if (argv.length === 0) throw new PhoenixError('USAGE', 'no command given');
      return callAllowFail(config, ['unshare', ...argv], {
        timeoutMs: options.timeoutMs,
        stdin: options.stdin,
      });
    },
  };
}

const REMOTE_REFUSAL = /cannot use command "podman unshare" with the remote podman client/;

/**
 * podman's own refusal of `podman unshare` by a remote client (exit 125), as PODMAN_REMOTE_UNSUPPORTED
 * rather than a raw podman failure; undefined for any other error. Commands refuse before this point
 * (see detectRemotePodman); this catches a path that did not.
 */
export function remoteRefusal(error: unknown, what: string): PhoenixError | undefined {
  if (!(error instanceof PhoenixError) || !REMOTE_REFUSAL.test(String(error.details.stderr ?? ''))) {
    return undefined;
  }
  return new PhoenixError(
    'PODMAN_REMOTE_UNSUPPORTED',
    `${what} must run inside podman's user namespace, which a remote podman client (podman machine) cannot enter`,
    { hint: 'run it on the machine that runs the containers: podman machine ssh', cause: error },
  );
}

/** The SELinux context `ls -dZ PATH` prints first; null when SELinux labels are unsupported ("?"). */
function parseSelinuxLabel(output: string): { label: string; type: string } | null {
  const label = output.trim().split(/\s+/)[0] ?? '';
  const parts = label.split(':');
  if (parts.length < 3 || parts[2] === undefined) return null;
  return { label, type: parts[2] };
}
