import { formatMode, formatOwner, resolveStack } from '@phoenix-hydra/core';
import { formatTable } from '../format-table.ts';
import { type StackOptions, stackRequest } from '../stack-options.ts';
import { stackOriginLine } from '../stack-origin.ts';

export interface ConfigOptions extends StackOptions {
  json?: boolean;
  cwd?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** `phoenix-volumes config`: what the tool believes the stack is, before it touches anything. */
export async function configCommand(options: ConfigOptions): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const cwd = options.cwd ?? process.cwd();
  const { stack, warnings, source } = await resolveStack(stackRequest(options, cwd));
  stderr.write(`${stackOriginLine({ stack, source }, cwd)}\n`);
  for (const warning of warnings) stderr.write(`warning: ${warning}\n`);
  if (options.json) {
    stdout.write(`${JSON.stringify({ source, warnings, stack }, null, 2)}\n`);
    return;
  }
  const origin = stack.composeFile ?? 'none: the built-in Phoenix Hydra stack';
  const lines = [
    `project       ${stack.project}`,
    `base dir      ${stack.baseDir}`,
    `compose file  ${origin}`,
    '',
    formatTable([
      [
        'VOLUME',
        'KIND',
        'HOST PATH',
        'CONTAINER PATH',
        'MODE',
        'OWNER',
        'ACCESS',
        'SELINUX',
        'BACKUP',
        'SERVICES',
      ],
      ...stack.volumes.map((v) => [
        v.name,
        v.kind,
        v.hostPath,
        v.containerPath,
        formatMode(v.mode),
        formatOwner(v.owner),
        v.readOnly ? 'ro' : 'rw',
        v.selinux,
        v.backup,
        v.services.join(',') || '-',
      ]),
    ]),
  ];
  stdout.write(`${lines.join('\n')}\n`);
}
