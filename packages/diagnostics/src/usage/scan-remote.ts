import { basename } from 'node:path';
import { PhoenixError } from '@phoenix-hydra/core';
import { type Podman, runHelperScript } from '@phoenix-hydra/podman-adapter';
import { type BlockDevice, mountOf, parseMountinfo, splitDev } from './block-device.ts';
import { type DiskStats, parseDiskstats } from './diskstats.ts';
import type { FilesystemUsage } from './filesystem.ts';
import type { ScanOptions, TreeUsage } from './scan-tree.ts';

/**
 * The one fixed script of a status helper (paths are "$@" data, never shell text). `scan` prints the
 * filesystem (`fs FRSIZE BLOCKS BFREE BAVAIL FILES FFREE`, df's figures), the machine's block devices
 * (`ds` /proc/diskstats lines, which name devices as sysfs does: a rootless container's /sys/dev/block is
 * empty; `mnt` mountinfo lines), then every entry below
 * the volume, its root included, in batches: `B COUNT`, COUNT lines `SIZE LINKS INODE DEV MTIME HEXMODE`
 * (lstat, as du; `gone` for an entry deleted meanwhile) and `H HEX` (the batch's names, NUL-terminated,
 * hex-encoded so any byte survives); `done` last. Only sh, stat, find, sed, od and tr: busybox images have them.
 * (`"{""}"` is find's `{}`, written so the script, which find also gets as an argument, holds no `{}`.)
 */
const SCAN_SCRIPT = `cd "$1" || exit 3
mode=$2
self=$3
shift 3
f='%s %h %i %d %Y %f'
case $mode in
scan)
  s=$(stat -f -c '%S %b %f %a %c %d' .) || exit 1
  printf 'fs %s\\n' "$s"
  sed 's/^/ds /' /proc/diskstats 2>/dev/null
  sed 's/^/mnt /' /proc/self/mountinfo 2>/dev/null
  find . -exec sh -c "$self" sh . entries "$self" "{""}" +
  echo done ;;
entries)
  if ! s=$(stat -c "$f" -- "$@" 2>/dev/null); then
    s=$(for p; do stat -c "$f" -- "$p" 2>/dev/null || echo gone; done)
  fi
  printf 'B %s\\n%s\\nH ' "$#" "$s"
  printf '%s\\0' "$@" | od -An -v -tx1 | tr -d ' \\n'
  echo ;;
*) exit 2 ;;
esac
`;

/** What one status helper read on the machine: the volume's usage, its filesystem and its block device. */
export interface RemoteScan {
  usage: TreeUsage;
  filesystem: FilesystemUsage;
  device: BlockDevice;
  /** The device's counters; null for a virtual filesystem. */
  stats: DiskStats | null;
}

const ENTRY = /^(\d+) (\d+) (\d+) (\d+) (\d+) ([0-9a-f]+)$/;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

function unexpected(line: string): PhoenixError {
  return new PhoenixError('PODMAN_OUTPUT', `unexpected status helper output: ${JSON.stringify(line)}`);
}

/**
 * The block device of the helper's mount at `root` as blockDeviceOf finds it locally: st_dev's device, else
 * (btrfs, an anonymous st_dev) the mount's /dev source; a device the kernel counts in /proc/diskstats.
 */
function deviceOf(
  dev: number,
  mounts: string,
  disks: readonly DiskStats[],
  root: string,
): { device: BlockDevice; stats: DiskStats | null } {
  const { major, minor } = splitDev(dev);
  const mount = mountOf(parseMountinfo(mounts), root);
  const fstype = mount?.fstype ?? null;
  const source = mount?.source ?? null;
  const sourceName = source?.startsWith('/dev/') ? basename(source) : null;
  const disk =
    disks.find((d) => d.major === major && d.minor === minor) ??
    disks.find((d) => d.name === sourceName) ??
    null;
  if (disk !== null) {
    const { name } = disk;
    const mountPoint = mount?.mountPoint ?? null;
    return {
      device: { virtual: false, major: disk.major, minor: disk.minor, name, fstype, mountPoint },
      stats: disk,
    };
  }
  const reason = `${fstype ?? 'this'} filesystem${source === null ? '' : ` (${source})`} has no block device of its own: /proc/diskstats has no counters for it`;
  return { device: { virtual: true, major, minor, fstype, source, reason }, stats: null };
}

/**
 * Reads a status helper's output into the figures a local scan gives (scanTree's `du -sb` arithmetic:
 * lstat sizes, hard links once, directories counted; statfs in df's), the device the volume is on and its
 * counters. Modification times have whole seconds, so a file changed in the second of the previous scan
 * counts as changed. PODMAN_OUTPUT for output the script cannot have printed.
 */
export function parseRemoteScan(stdout: string, root: string, options: ScanOptions = {}): RemoteScan {
  const usage: TreeUsage = { bytes: 0, files: 0, top: {}, changedCount: 0, changed: [], unreadable: [] };
  const changed: { path: string; bytes: number; ms: number }[] = [];
  const sinceSeconds = options.since === undefined ? undefined : Math.floor(options.since / 1000);
  const links = new Set<string>();
  let diskstats = '';
  let mounts = '';
  let fs: number[] | null = null;
  let rootDev: number | null = null;
  let done = false;
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const [word] = line.split(' ', 1);
    const rest = line.slice((word?.length ?? 0) + 1);
    if (word === 'fs') {
      fs = rest.split(' ').map(Number);
      if (fs.length !== 6 || fs.some((n) => !Number.isFinite(n))) throw unexpected(line);
    } else if (word === 'ds') diskstats += `${rest}\n`;
    else if (word === 'mnt') mounts += `${rest}\n`;
    else if (word === 'done') done = true;
    else if (word === 'B') {
      const count = Number(rest);
      const stats = lines.slice(i + 1, i + 1 + count);
      const names = lines[i + 1 + count] ?? '';
      if (!Number.isInteger(count) || !names.startsWith('H ')) throw unexpected(line);
      const paths = Buffer.from(names.slice(2), 'hex').toString('utf8').split('\0').slice(0, count);
      if (paths.length !== count) throw unexpected(names.slice(0, 80));
      i += count + 1;
      for (const [k, text] of stats.entries()) {
        if (text === 'gone') continue; // deleted between find and stat
        const m = ENTRY.exec(text);
        if (!m) throw unexpected(text);
        const [size, nlink, ino, dev, mtime] = m.slice(1, 6).map(Number) as [
          number,
          number,
          number,
          number,
          number,
        ];
        const type = Number.parseInt(m[6] as string, 16) & S_IFMT;
        const path = (paths[k] as string).replace(/^\.\/?/, '');
        if (path === '') rootDev = dev;
        if (nlink > 1 && type !== S_IFDIR) {
          if (links.has(`${dev}:${ino}`)) continue;
          links.add(`${dev}:${ino}`);
        }
        usage.bytes += size;
        usage.files += 1;
        if (path !== '') {
          const top = path.split('/')[0] as string;
          const entry = usage.top[top] ?? { bytes: 0, files: 0 };
          entry.bytes += size;
          entry.files += 1;
          usage.top[top] = entry;
        }
        if (sinceSeconds !== undefined && type === S_IFREG && mtime >= sinceSeconds) {
          usage.changedCount += 1;
          changed.push({ path, bytes: size, ms: mtime * 1000 });
        }
      }
    } else throw unexpected(line);
  }
  if (!done || fs === null || rootDev === null) {
    throw new PhoenixError('PODMAN_OUTPUT', 'the status helper stopped before it listed the whole volume', {
      details: { stdout: stdout.slice(-2000) },
    });
  }
  const [frsize, blocksTotal, bfree, bavail, files, ffree] = fs as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  usage.changed = changed
    .sort((a, b) => b.ms - a.ms)
    .slice(0, options.maxChanged ?? 20)
    .map(({ path, bytes, ms }) => ({ path, bytes, mtime: new Date(ms).toISOString() }));
  const { device, stats } = deviceOf(rootDev, mounts, parseDiskstats(diskstats), root);
  return {
    usage,
    filesystem: {
      sizeBytes: blocksTotal * frsize,
      usedBytes: (blocksTotal - bfree) * frsize,
      availBytes: bavail * frsize,
      files,
      filesFree: ffree,
    },
    device,
    stats,
  };
}

/** Where a status helper mounts the volume. */
const HELPER_ROOT = '/v';

/**
 * `status` of one volume through a remote podman (podman machine): one throwaway container of the stack's
 * own image (`--network none`, root of the machine's rootless user namespace, as `podman unshare` is
 * locally) with the volume mounted read-only at /v, through its named volume when that is bound to the
 * volume's directory, else the directory itself. Same figures as a local scan.
 */
export async function scanThroughHelper(
  podman: Podman,
  image: string,
  source: string,
  options: ScanOptions = {},
): Promise<RemoteScan> {
  const r = await runHelperScript(podman, image, SCAN_SCRIPT, [HELPER_ROOT, 'scan', SCAN_SCRIPT], {
    mounts: [{ source, target: HELPER_ROOT, options: ['ro'] }],
  });
  if (r.exitCode !== 0) {
    throw new PhoenixError(
      'PODMAN_FAILED',
      `reading ${source} in a helper container failed: ${r.stderr.trim().split('\n').at(-1) ?? `exit code ${r.exitCode}`}`,
      {
        hint: `podman image exists ${image}   # the helper runs the stack's own image and never pulls`,
        details: { exitCode: r.exitCode, stderr: r.stderr },
      },
    );
  }
  return parseRemoteScan(r.stdout, HELPER_ROOT, options);
}
