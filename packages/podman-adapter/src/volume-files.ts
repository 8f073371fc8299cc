import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Owner, PhoenixError } from '@phoenix-hydra/core';
import type { Podman, PodmanUnshare } from './podman.ts';

/** A path inside a volume as a container sees it: owners are container-side ids (999, not 100998). */
export interface VolumeFileStat {
  uid: number;
  gid: number;
  /** Permission bits including setuid/setgid/sticky (0o7777 mask). */
  mode: number;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
}

/**
 * One file operation, addressed by a path relative to the volume's root ('' is the root itself), never
 * by a client path: through a remote podman the data lives on the machine, not on this computer.
 */
export type VolumeFileOp =
  | { op: 'stat'; path: string }
  | { op: 'mkdir'; path: string; mode: number }
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'chown'; path: string; owner: Owner; recursive?: boolean | undefined }
  /** Moves a path to another name in the same volume, never over an existing one (`mv -n`, then checked). */
  | { op: 'rename'; path: string; to: string }
  /** Deletes a path and everything below it (`rm -rf`): links are removed, never followed. */
  | { op: 'remove'; path: string }
  | {
      op: 'writeFile';
      path: string;
      bytes: Uint8Array;
      mode: number;
      owner: Owner;
      /** Leave an existing file (or link) alone. */
      noClobber?: boolean | undefined;
    };

/** What each operation did, in the order given: a stat's answer (null: no such path), a write kept or made. */
export type VolumeFileResult =
  | { op: 'stat'; path: string; stat: VolumeFileStat | null }
  | { op: 'writeFile'; path: string; written: boolean }
  | { op: 'mkdir' | 'chmod' | 'chown' | 'rename' | 'remove'; path: string };

/** The volume a batch works on. */
export interface VolumeTarget {
  /**
   * What a helper container mounts: the named volume (`<project>_<volume>`), or an absolute path on the
   * machine for a directory podman has no volume for yet (setup creating it).
   */
  source: string;
  /** The directory itself on the machine that runs podman: what the local implementation works on. */
  path: string;
  /** The image a helper container runs: the stack's own image for the volume, present on the machine. */
  image: string;
  /** Relabel the source for SELinux (`:z`) while mounting it. */
  relabel?: boolean | undefined;
}

/**
 * File operations on a volume's data as its containers see it, whichever side of podman the data is on:
 * `localFiles` over `podman unshare` on this machine, `helperFiles` in a throwaway container remotely.
 */
export interface VolumeFiles {
  readonly kind: 'local' | 'helper';
  /** Runs the operations in order (remotely: one helper container), stopping at the first failure. */
  batch(target: VolumeTarget, ops: readonly VolumeFileOp[]): Promise<VolumeFileResult[]>;
}

/** Rejects a path that is not relative to the volume root or climbs out of it. */
export function volumeRelativePath(path: string): string {
  if (path.includes('\0') || path.startsWith('/') || path.split('/').includes('..')) {
    throw new PhoenixError('USAGE', `not a path inside the volume: ${JSON.stringify(path)}`);
  }
  return path === '' || path === '.' ? '.' : `./${path}`;
}

/** Today's behaviour: each operation is one `podman unshare` call on the volume's directory on this host. */
function localFiles(unshare: PodmanUnshare): VolumeFiles {
  return {
    kind: 'local',
    async batch(target, ops) {
      const results: VolumeFileResult[] = [];
      for (const o of ops) {
        const abs = join(target.path, volumeRelativePath(o.path));
        switch (o.op) {
          case 'stat': {
            const found = await unshare.stat([abs]).catch((error: unknown) => {
              if (/No such file/.test(String((error as PhoenixError).details?.stderr ?? ''))) return [];
              throw error;
            });
            const st = found[0];
            results.push({ op: 'stat', path: o.path, stat: st ? withoutPath(st) : null });
            break;
          }
          case 'mkdir':
            await unshare.mkdir(abs, o.mode);
            results.push({ op: o.op, path: o.path });
            break;
          case 'chmod':
            await unshare.chmod([abs], o.mode);
            results.push({ op: o.op, path: o.path });
            break;
          case 'chown':
            await unshare.chown([abs], o.owner, { recursive: o.recursive });
            results.push({ op: o.op, path: o.path });
            break;
          case 'rename': {
            const to = join(target.path, volumeRelativePath(o.to));
            if ((await unshare.stat([to]).catch(() => [])).length > 0) {
              throw new PhoenixError('PODMAN_FAILED', `rename ${JSON.stringify(o.path)}: ${o.to} exists`);
            }
            const moved = await unshare.run(['mv', '-T', '--', abs, to]);
            if (moved.exitCode !== 0) {
              throw new PhoenixError(
                'PODMAN_FAILED',
                `rename ${JSON.stringify(o.path)} failed: ${moved.stderr.trim()}`,
                {
                  details: { stderr: moved.stderr },
                },
              );
            }
            results.push({ op: o.op, path: o.path });
            break;
          }
          case 'remove':
            await unshare.rmrf(abs);
            results.push({ op: o.op, path: o.path });
            break;
          case 'writeFile':
            results.push({
              op: 'writeFile',
              path: o.path,
              written: await writeLocal(unshare, target, abs, o),
            });
            break;
        }
      }
      return results;
    },
  };
}

function withoutPath(stat: VolumeFileStat): VolumeFileStat {
  const { uid, gid, mode, type, size } = stat;
  return { uid, gid, mode, type, size };
}

/**
 * Writes beside the volume (where the host user can write), then `podman unshare cp -n` moves it in,
 * which also works once the directory belongs to a subordinate uid.
 */
async function writeLocal(
  unshare: PodmanUnshare,
  target: VolumeTarget,
  abs: string,
  o: Extract<VolumeFileOp, { op: 'writeFile' }>,
): Promise<boolean> {
  if (o.noClobber && (await unshare.stat([abs]).catch(() => [])).length > 0) return false;
  const temp = join(dirname(target.path), `.phoenix-new.${randomBytes(4).toString('hex')}`);
  await writeFile(temp, o.bytes, { mode: 0o600, flag: 'wx' });
  try {
    await unshare.cp(temp, abs, { noClobber: o.noClobber === true });
    await unshare.chmod([abs], o.mode);
    if (o.owner.uid !== 0 || o.owner.gid !== 0) await unshare.chown([abs], o.owner);
  } finally {
    await rm(temp, { force: true });
  }
  return true;
}

/**
 * The implementation for this podman, chosen once from `podman.remote()`: helper containers through a
 * remote podman (podman machine), where `podman unshare` cannot run; `podman unshare` otherwise.
 */
export async function volumeFilesFor(podman: Podman): Promise<VolumeFiles> {
  const location = await podman.remote();
  if (!location.remote) return localFiles(podman.unshare);
  const { helperFiles } = await import('./helper-files.ts');
  return helperFiles(podman.config);
}
