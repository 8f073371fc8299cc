import { type Difference, inspectVolumes, type VolumeInspection } from '@phoenix-hydra/diagnostics';
import { type CommandIO, openStack } from '../context.ts';
import { formatTable } from '../format-table.ts';
import type { StackOptions } from '../stack-options.ts';

export interface LsCommandOptions extends StackOptions, CommandIO {
  json?: boolean;
}

/** "DIFF podman.device: podman volume x keeps its data in ..., not in ..." with the fix under it. */
export function renderDifferences(differences: readonly Difference[], indent = ''): string[] {
  return differences.flatMap((d) => [
    `${indent}DIFF ${d.field}: ${d.message}`,
    `${indent}     fix: ${d.hint}`,
  ]);
}

function containersCell(v: VolumeInspection): string {
  if (v.containers.length === 0) return '-';
  return v.containers.map((c) => `${c.container} (${c.running ? 'running' : 'stopped'})`).join(', ');
}

/**
 * `phoenix-volumes ls`: the stack's volumes, each with where podman really keeps it and who mounts it;
 * differences from the spec are marked DIFF and listed below. Exit 1 when there is any.
 */
export async function lsCommand(options: LsCommandOptions): Promise<number> {
  const { stack, podman, out } = await openStack(options);
  const volumes = await inspectVolumes(stack, podman);
  const differing = volumes.some((v) => v.differences.length > 0);
  if (options.json) {
    out(JSON.stringify({ project: stack.project, volumes }, null, 2));
    return differing ? 1 : 0;
  }
  out(
    formatTable([
      ['VOLUME', 'KIND', 'HOST PATH', 'PODMAN VOLUME', 'DATA IN', 'CONTAINERS', 'STATE'],
      ...volumes.map((v) => [
        v.name,
        v.spec.kind,
        v.spec.hostPath,
        v.podmanVolume.exists ? v.podmanVolume.name : `${v.podmanVolume.name} (missing)`,
        v.podmanVolume.dataDir === v.spec.hostPath ? '(host path)' : (v.podmanVolume.dataDir ?? '-'),
        containersCell(v),
        v.differences.length === 0 ? 'ok' : `DIFF (${v.differences.length})`,
      ]),
    ]),
  );
  for (const v of volumes.filter((x) => x.differences.length > 0)) {
    out('');
    out(`${v.name}:`);
    for (const line of renderDifferences(v.differences, '  ')) out(line);
  }
  return differing ? 1 : 0;
}
