import type { Podman } from '@phoenix-hydra/podman-adapter';
import { needsUserNamespace } from '@phoenix-hydra/podman-adapter/user-namespace';
import { runInUserNamespace } from '../userns/run-in-namespace.ts';
import { type ScanOptions, scanTree, type TreeUsage } from './scan-tree.ts';

/**
 * A volume's usage and how it was read: by this process, partly inside the user namespace, or (through a
 * remote podman) by a helper container on the machine.
 */
export interface VolumeUsage extends TreeUsage {
  via: 'host' | 'user-namespace' | 'helper';
  seconds: number;
}

function merge(into: TreeUsage, part: TreeUsage, maxChanged: number): void {
  into.bytes += part.bytes;
  into.files += part.files;
  for (const [name, top] of Object.entries(part.top)) {
    const entry = into.top[name];
    if (entry) {
      entry.bytes += top.bytes;
      entry.files += top.files;
    } else {
      into.top[name] = { ...top };
    }
  }
  into.changedCount += part.changedCount;
  into.changed = [...into.changed, ...part.changed]
    .sort((a, b) => (a.mtime < b.mtime ? 1 : a.mtime > b.mtime ? -1 : 0))
    .slice(0, maxChanged);
  into.unreadable = part.unreadable;
}

/**
 * Scans a volume directory as this user and, for what this user may not read (a subuid-owned 0700
 * db_data), once more inside `podman unshare`: the totals are those of `du -sb` run as namespace root.
 * Hard links between the two parts are counted twice (they would have to cross a permission boundary).
 */
export async function scanVolume(
  path: string,
  options: ScanOptions & { podman: Podman },
): Promise<VolumeUsage> {
  const started = performance.now();
  const { podman, ...scan } = options;
  const maxChanged = scan.maxChanged ?? 20;
  let usage: TreeUsage;
  try {
    usage = scanTree(path, scan);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EACCES' || !needsUserNamespace()) throw error;
    usage = await runInUserNamespace(podman, 'scan', { root: path, options: scan });
    return { ...usage, via: 'user-namespace', seconds: (performance.now() - started) / 1000 };
  }
  if (usage.unreadable.length === 0 || !needsUserNamespace()) {
    return { ...usage, via: 'host', seconds: (performance.now() - started) / 1000 };
  }
  const inner = await runInUserNamespace(podman, 'scan', {
    root: path,
    options: { ...scan, within: usage.unreadable },
  });
  merge(usage, inner, maxChanged);
  return { ...usage, via: 'user-namespace', seconds: (performance.now() - started) / 1000 };
}
