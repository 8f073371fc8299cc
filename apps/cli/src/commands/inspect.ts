import { formatMode, formatOwner } from '@phoenix-hydra/core';
import { inspectVolumes, type VolumeInspection } from '@phoenix-hydra/diagnostics';
import { type CommandIO, openStack } from '../context.ts';
import type { StackOptions } from '../stack-options.ts';
import { renderDifferences } from './ls.ts';

export interface InspectCommandOptions extends StackOptions, CommandIO {
  volume: string;
  json?: boolean;
}

/** The spec, podman's named volume, the directory and each container's mount, as labelled lines. */
export function renderInspection(v: VolumeInspection): string[] {
  const { spec, podmanVolume: named, directory: dir } = v;
  const lines = [`${v.name} (${spec.kind})`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(10)} ${text}`);
  row(
    'spec',
    `${spec.hostPath} → ${spec.containerPath}  ${spec.readOnly ? 'ro' : 'rw'}  mode ${formatMode(spec.mode)}  owner ${formatOwner(spec.owner)}  selinux ${spec.selinux}  services ${spec.services.join(', ') || '-'}`,
  );
  const options = Object.entries(named.options)
    .map(([k, val]) => `${k}=${val}`)
    .join(' ');
  row(
    'podman',
    named.exists
      ? `${named.name}  driver ${named.driver}  ${options || '(no options: data in podman storage)'}  data in ${named.dataDir}`
      : `${named.name} does not exist`,
  );
  row(
    'directory',
    dir
      ? `${dir.type}  mode ${formatMode(dir.mode)}  owner ${dir.owner.uid ?? '?'}:${dir.owner.gid ?? '?'} in containers (host ${dir.hostUid}:${dir.hostGid})`
      : 'missing',
  );
  if (v.containers.length === 0) row('mounts', 'no container mounts it');
  v.containers.forEach((c, i) => {
    const m = c.mount;
    const mount = m
      ? `${m.type} ${m.name ?? m.source} → ${m.destination}  ${m.rw ? 'rw' : 'ro'}  options ${m.options.join(',') || '-'}${c.mode ? `  label ${c.mode}` : ''}${m.propagation ? `  propagation ${m.propagation}` : ''}`
      : 'mount not found';
    row(i === 0 ? 'mounts' : '', `${c.container} (${c.running ? 'running' : 'stopped'}): ${mount}`);
    row('', `  source ${m?.source ?? '-'}`);
    row(
      '',
      `  id: ${c.user.id ?? (c.user.configUser ? `not running; Config.User ${c.user.configUser}` : 'not running')}`,
    );
  });
  lines.push(...(v.differences.length ? renderDifferences(v.differences, '  ') : ['  no differences']));
  return lines;
}

/**
 * `phoenix-volumes inspect VOLUME`: one volume's spec next to what podman really has, with a
 * `differences` list; exit 1 when there is any, 2 for an unknown volume.
 */
export async function inspectCommand(options: InspectCommandOptions): Promise<number> {
  const { stack, podman, out } = await openStack(options);
  const [v] = await inspectVolumes(stack, podman, [options.volume]);
  if (!v) return 2;
  out(
    options.json ? JSON.stringify({ project: stack.project, ...v }, null, 2) : renderInspection(v).join('\n'),
  );
  return v.differences.length > 0 ? 1 : 0;
}
