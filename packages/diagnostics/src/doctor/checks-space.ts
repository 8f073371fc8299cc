import { parseDuOutput } from '@phoenix-hydra/podman-adapter';
import { formatBytes } from '../format-bytes.ts';
import type { SpaceState, VolumeObservation } from '../observe.ts';
import type { DoctorContext } from './context.ts';
import { type Finding, finding } from './finding.ts';
import { parseStatfs, STATFS_FORMAT } from './parse-outputs.ts';
import type { DoctorCheck } from './run-doctor.ts';

/** The design's advice: keep 10 GB free for the database; 1 GB for everything else. */
export const DEFAULT_MIN_FREE_BYTES = { database: 10e9, other: 1e9 } as const;

/** Below this much free space writes fail within minutes: an error, not a warning. */
export const CRITICAL_FREE_BYTES = 64 * 1024 ** 2;

/**
 * Space of each volume's filesystem as containers see it: `stat -f` inside podman's user namespace,
 * whose mounts can differ from the host's; the host's statfs where that is not possible.
 */
async function spaces(
  ctx: DoctorContext,
): Promise<{ v: VolumeObservation; space: SpaceState; seenFrom: string }[]> {
  const statfs = (paths: readonly string[]) =>
    ctx.unshare(['stat', '-f', `--printf=${STATFS_FORMAT}`, '--', ...paths]);
  // Locally, every volume directory is measured while the observation runs (one podman round trip
  // less for check and doctor); used when all of them turn out to be directories, else asked again.
  const early =
    ctx.stack.volumes.length > 0 && !(await ctx.remote()).remote
      ? statfs(ctx.stack.volumes.map((v) => v.hostPath))
      : undefined;
  early?.catch(() => undefined);
  const { volumes } = await ctx.observation();
  const dirs = volumes.filter((v) => v.dir?.type === 'directory');
  const measured = new Map<string, SpaceState>();
  if (dirs.length > 0) {
    const first = early && dirs.length === volumes.length ? await early.catch(() => undefined) : undefined;
    const out = first?.exitCode === 0 ? first : await statfs(dirs.map((v) => v.spec.hostPath));
    if (out.exitCode === 0) {
      parseStatfs(out.stdout).forEach((line, i) => {
        const v = dirs[i];
        if (line && v) measured.set(v.spec.name, line);
      });
    }
  }
  return volumes.flatMap((v) => {
    const inNamespace = measured.get(v.spec.name);
    if (inNamespace) return [{ v, space: inNamespace, seenFrom: 'podman user namespace' }];
    return v.space ? [{ v, space: v.space, seenFrom: 'host' }] : [];
  });
}

const lowSpace: DoctorCheck = {
  id: 'PHX-SPACE-001',
  title: 'free space is low',
  severity: 'warning',
  why: 'postgres stops accepting writes (and may not restart) when its disk is full; nginx loses its logs',
  async run(ctx) {
    return (await spaces(ctx)).flatMap(({ v, space, seenFrom }): Finding[] => {
      const min =
        v.spec.kind === 'database' ? ctx.settings.minFreeBytes.database : ctx.settings.minFreeBytes.other;
      if (space.availBytes >= min) return [];
      return [
        finding(this, {
          volume: v.spec.name,
          severity: space.availBytes < CRITICAL_FREE_BYTES ? 'error' : 'warning',
          message: `${v.spec.hostPath}: ${formatBytes(space.availBytes)} free of ${formatBytes(space.sizeBytes)}, below ${formatBytes(min)}`,
          evidence: {
            path: v.spec.hostPath,
            availBytes: space.availBytes,
            sizeBytes: space.sizeBytes,
            minFreeBytes: min,
            seenFrom,
          },
          hint: `free space on that filesystem (df -h ${v.spec.hostPath}) or move the stack (--base-dir) to a larger one`,
        }),
      ];
    });
  },
};

const lowInodes: DoctorCheck = {
  id: 'PHX-SPACE-002',
  title: 'free inodes are low',
  severity: 'warning',
  why: 'with no inodes left no file can be created, however much space is free: postgres cannot create WAL segments',
  async run(ctx) {
    return (await spaces(ctx)).flatMap(({ v, space, seenFrom }): Finding[] => {
      // Filesystems without a fixed inode table (btrfs) report 0 inodes.
      if (space.files === 0) return [];
      const ratio = space.filesFree / space.files;
      if (ratio >= ctx.settings.minFreeInodesRatio) return [];
      return [
        finding(this, {
          volume: v.spec.name,
          severity: space.filesFree < 1000 ? 'error' : 'warning',
          message: `${v.spec.hostPath}: ${space.filesFree} of ${space.files} inodes free (${(ratio * 100).toFixed(1)} %)`,
          evidence: { path: v.spec.hostPath, filesFree: space.filesFree, files: space.files, seenFrom },
          hint: `find what holds many small files: podman unshare du --inodes -d 2 ${v.spec.hostPath} | sort -n | tail`,
        }),
      ];
    });
  },
};

async function logVolumes(ctx: DoctorContext): Promise<VolumeObservation[]> {
  const { volumes } = await ctx.observation();
  return volumes.filter((v) => v.spec.kind === 'logs' && v.dir?.type === 'directory');
}

const ROTATE_HINT =
  'rotate them: logrotate with copytruncate on the host path, or reopen nginx logs after moving them (podman exec CONTAINER nginx -s reopen)';

const logsTooBig: DoctorCheck = {
  id: 'PHX-LOGS-001',
  title: 'logs volume grows without rotation',
  severity: 'warning',
  why: 'logs that are never rotated fill the disk the database shares',
  async run(ctx) {
    const found = await Promise.all(
      (await logVolumes(ctx)).map(async (v): Promise<Finding[]> => {
        const du = await ctx.unshare(['du', '-s', '-b', '--', v.spec.hostPath]);
        const bytes = du.exitCode === 0 ? parseDuOutput(du.stdout) : null;
        if (bytes === null || bytes <= ctx.settings.logsMaxBytes) return [];
        return [
          finding(this, {
            volume: v.spec.name,
            message: `${v.spec.hostPath} holds ${formatBytes(bytes)}, over the ${formatBytes(ctx.settings.logsMaxBytes)} cap`,
            evidence: { path: v.spec.hostPath, bytes, capBytes: ctx.settings.logsMaxBytes },
            hint: ROTATE_HINT,
          }),
        ];
      }),
    );
    return found.flat();
  },
};

const logFileTooBig: DoctorCheck = {
  id: 'PHX-LOGS-002',
  title: 'a log file is too big',
  severity: 'warning',
  why: 'a single huge log file means nothing rotates it; it grows until the disk is full',
  async run(ctx) {
    const max = ctx.settings.logFileMaxBytes;
    const found = await Promise.all(
      (await logVolumes(ctx)).map(async (v): Promise<Finding[]> => {
        const args = [
          'find',
          v.spec.hostPath,
          '-xdev',
          '-type',
          'f',
          '-size',
          `+${max}c`,
          '-printf',
          '%s %p\\0',
        ];
        const big = (await ctx.unshare(args)).stdout
          .split('\0')
          .filter((line) => line !== '')
          .map((line) => ({
            bytes: Number(line.slice(0, line.indexOf(' '))),
            path: line.slice(line.indexOf(' ') + 1),
          }));
        if (big.length === 0) return [];
        return [
          finding(this, {
            volume: v.spec.name,
            message: `${big.length} file(s) over ${formatBytes(max)}: ${big
              .slice(0, 3)
              .map((f) => `${f.path} (${formatBytes(f.bytes)})`)
              .join(', ')}`,
            evidence: { path: v.spec.hostPath, files: big, maxFileBytes: max },
            hint: ROTATE_HINT,
          }),
        ];
      }),
    );
    return found.flat();
  },
};

/** Space, inodes and logs: the slow ways a healthy stack stops working. */
export const spaceChecks: readonly DoctorCheck[] = [lowSpace, lowInodes, logsTooBig, logFileTooBig];
