import { createInterface } from 'node:readline/promises';
import { PhoenixError } from '@phoenix-hydra/core';
import { applyCleanup, observeStack, planCleanup } from '@phoenix-hydra/diagnostics';
import { type CommandIO, openStack } from '../context.ts';
import { formatBytes } from '../format-bytes.ts';
import { formatTable } from '../format-table.ts';
import type { StackOptions } from '../stack-options.ts';

export interface CleanupOptions extends StackOptions, CommandIO {
  yes?: boolean;
  stop?: boolean;
  json?: boolean;
  /** Asks the user to type the project name; defaults to a terminal prompt. */
  confirm?: (question: string) => Promise<string>;
}

async function promptOnTerminal(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new PhoenixError(
      'USAGE',
      'cleanup deletes data and needs a confirmation, but there is no terminal to ask',
      {
        hint: 'run it in a terminal, or pass --yes to confirm in a script',
      },
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** `phoenix-volumes cleanup`: lists what goes, asks for the project name, then removes directories and volumes. */
export async function cleanupCommand(options: CleanupOptions): Promise<void> {
  const { stack, podman, out, err } = await openStack(options);
  const observation = await observeStack(stack, podman);
  const plan = await planCleanup(podman, observation);
  const total = plan.items.reduce((sum, i) => sum + i.bytes, 0);
  const nothing = plan.items.every((i) => !i.path && !i.namedVolume);
  if (nothing) {
    if (options.json) out(JSON.stringify({ project: stack.project, removed: [], freedBytes: 0 }));
    else out(`Nothing to clean up: no volume of ${stack.project} exists.`);
    return;
  }
  const say = options.json ? err : out;
  say(`This deletes the data of ${stack.project} (${formatBytes(total)}); backups are not touched:`);
  say(
    formatTable([
      ['VOLUME', 'DIRECTORY', 'SIZE', 'FILES', 'PODMAN VOLUME'],
      ...plan.items.map((i) => [
        i.volume,
        i.path ?? '-',
        formatBytes(i.bytes),
        String(i.files),
        i.namedVolume ?? '-',
      ]),
    ]),
  );
  for (const u of plan.users) {
    say(
      `container ${u.container} (${u.running ? 'running' : 'stopped'}) uses ${u.volumes.join(', ')}${options.stop ? ': it will be stopped and removed' : ''}`,
    );
  }
  if (plan.users.length > 0 && !options.stop) {
    await applyCleanup(podman, plan, { stop: false }); // throws VOLUME_IN_USE naming the containers
  }
  if (!options.yes) {
    const answer = await (options.confirm ?? promptOnTerminal)(
      `Type the project name (${stack.project}) to delete: `,
    );
    if (answer.trim() !== stack.project) {
      throw new PhoenixError('ABORTED', 'cleanup aborted: the name typed did not match; nothing was deleted');
    }
  }
  const { freedBytes } = await applyCleanup(podman, plan, {
    stop: Boolean(options.stop),
    onStep: (s) => err(s),
  });
  if (options.json) {
    out(
      JSON.stringify(
        { project: stack.project, removed: plan.items, containers: plan.users, freedBytes },
        null,
        2,
      ),
    );
  } else {
    out(
      `Removed ${plan.items.filter((i) => i.path || i.namedVolume).length} volumes, freed ${formatBytes(freedBytes)}.`,
    );
  }
}
