import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLock } from '@phoenix-hydra/backup';
import { lockDir, PhoenixError, type VolumeSpec } from '@phoenix-hydra/core';
import { findVolumeContainers, observeStack, parseSize } from '@phoenix-hydra/diagnostics';
import { type RotationReport, rotateThroughHelper, rotateVolumeLogs } from '@phoenix-hydra/operations/logs';
import { type CommandIO, openStack } from '../context.ts';
import { formatBytes } from '../format-bytes.ts';
import { formatTable } from '../format-table.ts';
import { printableName } from '../printable-name.ts';
import type { StackOptions } from '../stack-options.ts';

export interface LogsRotateOptions extends StackOptions, CommandIO {
  maxSize?: string;
  keep?: number;
  /** Default true. */
  compress?: boolean;
  /** Rotate only this volume (default: every logs volume). */
  volume?: string;
  json?: boolean;
}

/** logrotate-like defaults: 100 MiB, five copies, zstd. */
export const ROTATE_DEFAULTS = { maxSize: '100M', keep: 5 } as const;

function logsVolumes(volumes: readonly VolumeSpec[], name: string | undefined): VolumeSpec[] {
  if (name === undefined) {
    const logs = volumes.filter((v) => v.kind === 'logs');
    if (logs.length === 0) {
      throw new PhoenixError('USAGE', 'the stack has no logs volume', {
        hint: `name one with --volume (volumes: ${volumes.map((v) => v.name).join(', ')}), or mark it x-phoenix: { kind: logs }`,
      });
    }
    return logs;
  }
  const spec = volumes.find((v) => v.name === name);
  if (!spec) {
    throw new PhoenixError(
      'VOLUME_UNKNOWN',
      `no volume "${name}"; known volumes: ${volumes.map((v) => v.name).join(', ')}`,
      {
        hint: 'phoenix-volumes ls',
      },
    );
  }
  return [spec];
}

/**
 * `phoenix-volumes logs rotate`: rotates the files of the logs volume larger than --max-size (copy and
 * truncate those held open by a process or a running container, rename the others), compresses the
 * rotated copies with zstd and keeps --keep of each. One run per project at a time (a lock); safe from cron.
 */
export async function logsRotateCommand(options: LogsRotateOptions): Promise<void> {
  const { stack, podman, out, err } = await openStack(options);
  const maxBytes = parseSize(options.maxSize ?? ROTATE_DEFAULTS.maxSize);
  const keep = options.keep ?? ROTATE_DEFAULTS.keep;
  const targets = logsVolumes(stack.volumes, options.volume);
  const lock = await acquireLock(join(lockDir(stack.project), 'logs-rotate'), { operation: 'logs rotate' });
  try {
    const observation = await observeStack(stack, podman);
    const containers = await findVolumeContainers(podman, observation);
    const reports: (RotationReport & { volume: string })[] = [];
    // Through a remote podman the logs live on the machine: helpers rotate them through the named volume.
    const remote = (await podman.remote()).remote;
    for (const spec of targets) {
      const running = (containers.get(spec.name) ?? []).filter((c) => c.running).map((c) => c.container);
      // The HOW column says the same as locally when a running container is why logs count as open.
      const assumeOpen = running.length
        ? `container ${running.join(', ')} is running and mounts ${spec.name}`
        : null;
      if (remote) {
        const policy = {
          maxBytes,
          keep,
          compress: options.compress !== false,
          ...(assumeOpen === null ? {} : { heldBy: assumeOpen }),
        };
        reports.push({ volume: spec.name, ...(await rotateThroughHelper(podman, stack, spec, policy)) });
        continue;
      }
      const dirStat = await stat(spec.hostPath).catch(() => null);
      if (!dirStat?.isDirectory()) {
        err(`skipping ${spec.name}: ${spec.hostPath} does not exist (phoenix-volumes setup)`);
        continue;
      }
      const input = {
        dir: spec.hostPath,
        maxBytes,
        keep,
        compress: options.compress !== false,
        dev: dirStat.dev,
        assumeOpen,
      };
      const report = await rotateVolumeLogs(podman, input);
      reports.push({ volume: spec.name, ...report });
    }
    if (options.json) {
      out(JSON.stringify({ project: stack.project, maxBytes, keep, volumes: reports }, null, 2));
      return;
    }
    for (const r of reports) {
      if (r.rotated.length === 0) {
        out(
          r.skipped.length === 0
            ? `${r.volume}: nothing above ${formatBytes(maxBytes)} in ${r.dir}`
            : `${r.volume}: nothing rotated in ${r.dir}`,
        );
      } else {
        out(`${r.volume}: rotated ${r.rotated.length} file(s) in ${r.dir}`);
        out(
          formatTable([
            ['FILE', 'SIZE', 'HOW', 'ROTATED TO', 'STORED'],
            ...r.rotated.map((f) => [
              printableName(f.file),
              formatBytes(f.bytes),
              f.method === 'rename' ? 'renamed' : `copied+truncated (${f.heldBy})`,
              printableName(f.to),
              formatBytes(f.storedBytes),
            ]),
          ]),
        );
      }
      for (const name of r.removed) out(`  removed ${printableName(name)} (keeping ${keep})`);
      for (const name of r.recovered) out(`  finished an interrupted rotation: ${printableName(name)}`);
      for (const s of r.skipped) out(`  left alone ${printableName(s.file)}, which ${s.reason}`);
    }
  } finally {
    await lock.release();
  }
}
