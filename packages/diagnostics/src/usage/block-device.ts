import { readFile, realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';

/** The block device behind a filesystem, named as /proc/diskstats and node_exporter name it. */
export type BlockDevice =
  | {
      virtual: false;
      major: number;
      minor: number;
      name: string;
      fstype: string | null;
      mountPoint: string | null;
    }
  | {
      virtual: true;
      major: number;
      minor: number;
      fstype: string | null;
      source: string | null;
      reason: string;
    };

/** Splits glibc's 64-bit dev_t into major and minor (gnu_dev_major/gnu_dev_minor). */
export function splitDev(dev: number): { major: number; minor: number } {
  const d = BigInt(dev);
  return {
    major: Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & 0xfffff000n)),
    minor: Number((d & 0xffn) | ((d >> 12n) & 0xffffff00n)),
  };
}

/** One line of /proc/self/mountinfo, the fields this module needs. */
export interface MountInfo {
  major: number;
  minor: number;
  mountPoint: string;
  fstype: string;
  source: string;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** Parses /proc/self/mountinfo (proc(5)): the optional fields end at the lone "-". */
export function parseMountinfo(text: string): MountInfo[] {
  return text.split('\n').flatMap((line) => {
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    const [major, minor] = (f[2] ?? '').split(':').map(Number);
    if (dash === -1 || major === undefined || minor === undefined || f[4] === undefined) return [];
    return [
      {
        major,
        minor,
        mountPoint: unescapeOctal(f[4]),
        fstype: f[dash + 1] ?? '',
        source: unescapeOctal(f[dash + 2] ?? ''),
      },
    ];
  });
}

/** The mount holding a path: the longest mount point that is a prefix of its real path. */
export function mountOf(mounts: readonly MountInfo[], path: string): MountInfo | null {
  let best: MountInfo | null = null;
  for (const m of mounts) {
    const inside = m.mountPoint === '/' || path === m.mountPoint || path.startsWith(`${m.mountPoint}/`);
    if (inside && (best === null || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

async function sysfsName(major: number, minor: number): Promise<string | null> {
  try {
    return basename(await realpath(`/sys/dev/block/${major}:${minor}`));
  } catch {
    return null;
  }
}

/**
 * Finds the block device of the filesystem holding `path` as node_exporter does: st_dev → major:minor →
 * /sys/dev/block/M:m. Filesystems with an anonymous st_dev (btrfs, overlay, tmpfs, fuse) are looked up
 * in mountinfo: a /dev source is followed to its device, anything else is reported as virtual.
 */
export async function blockDeviceOf(
  path: string,
  mountinfoFile = '/proc/self/mountinfo',
): Promise<BlockDevice> {
  const real = await realpath(path);
  const { major, minor } = splitDev((await stat(real)).dev);
  const mounts = parseMountinfo(await readFile(mountinfoFile, 'utf8').catch(() => ''));
  const mount = mountOf(mounts, real);
  const fstype = mount?.fstype ?? null;
  const name = await sysfsName(major, minor);
  if (name !== null)
    return { virtual: false, major, minor, name, fstype, mountPoint: mount?.mountPoint ?? null };
  if (mount?.source.startsWith('/dev/')) {
    const rdev = await stat(mount.source).then(
      (s) => (s.isBlockDevice() ? splitDev(s.rdev) : null),
      () => null,
    );
    const devName = rdev ? await sysfsName(rdev.major, rdev.minor) : null;
    if (rdev && devName !== null) {
      return { virtual: false, ...rdev, name: devName, fstype, mountPoint: mount.mountPoint };
    }
  }
  return {
    virtual: true,
    major,
    minor,
    fstype,
    source: mount?.source ?? null,
    reason: `${fstype ?? 'this'} filesystem${mount ? ` (${mount.source})` : ''} has no block device of its own: /proc/diskstats has no counters for it`,
  };
}
