import { acquireLock, openJournal } from '@phoenix-hydra/backup';
import { lockDir, PhoenixError } from '@phoenix-hydra/core';
import { type AdoptPlan, type AdoptResult, adoptVolumes, planAdopt } from '@phoenix-hydra/operations/adopt';
import { askOnTerminal } from '../confirm.ts';
import { type CommandIO, openStack } from '../context.ts';
import { formatBytes } from '../format-bytes.ts';
import { removeKeptCommand } from '../kept-note.ts';
import { repairInterrupted } from '../repair-interrupted.ts';
import type { StackOptions } from '../stack-options.ts';

export interface AdoptCommandOptions extends StackOptions, CommandIO {
  volume?: string[];
  fromVolume?: string;
  yes?: boolean;
  json?: boolean;
  confirm?: (question: string) => Promise<string>;
}

function describePlan(plan: AdoptPlan, composeFile: string | null): string[] {
  const lines = ['Plan:'];
  const running = plan.users.filter((u) => u.running).map((u) => u.container);
  if (running.length > 0) lines.push(`  stop ${running.join(', ')}`);
  for (const item of plan.items) {
    lines.push(
      `  copy ${item.sourceVolume} (${item.source.entries} entries, ${formatBytes(item.source.bytes)}) into ${item.spec.hostPath}, owners and modes kept, and verify it`,
    );
    if (item.rebind) {
      lines.push(
        `  recreate ${item.stackVolume} bound to ${item.spec.hostPath} (its old data kept beside it)`,
      );
    }
  }
  if (plan.items.some((i) => i.rebind)) {
    lines.push(
      `  remove ${plan.users.map((u) => u.container).join(', ')} and start the stack: podman-compose -f ${composeFile} up -d`,
    );
  } else if (running.length > 0) {
    lines.push(`  start ${running.join(', ')} again`);
  }
  for (const s of plan.skipped) lines.push(`  (${s.volume}: nothing to adopt, ${s.reason})`);
  return lines;
}

function keptLine(r: AdoptResult, remote: boolean): string {
  return 'path' in r.kept
    ? `  the old data is kept in ${r.kept.path}${remote ? ' on the machine' : ''}; once satisfied: ${removeKeptCommand(r.kept.path, remote)}`
    : `  the old volume ${r.kept.volume} is kept; once satisfied: podman volume rm ${r.kept.volume}`;
}

/**
 * `phoenix-volumes adopt`: moves the data of the original scripts from podman's storage (or another
 * project's volume) into the stack's host directories. Plans first and asks; the work is operations'
 * adoptVolumes (in helper containers on the machine through a remote podman), journaled so a killed
 * adopt is undone or finished by the next command.
 */
export async function adoptCommand(options: AdoptCommandOptions): Promise<AdoptResult[]> {
  const { stack, podman, out, err } = await openStack(options);
  const remote = (await podman.remote()).remote;
  await repairInterrupted(stack, podman, err);
  const lock = await acquireLock(lockDir(stack.project), { operation: 'adopt' });
  try {
    const plan = await planAdopt(stack, podman, { volumes: options.volume, fromVolume: options.fromVolume });
    if (plan.items.length === 0) {
      const why = plan.skipped.map((s) => `${s.volume}: ${s.reason}`).join('; ');
      err(`Nothing to adopt in ${stack.project}${why ? ` (${why})` : ''}.`);
      if (options.json) out(JSON.stringify({ adopted: [], skipped: plan.skipped }, null, 2));
      return [];
    }
    for (const line of describePlan(plan, stack.composeFile)) err(line);
    if (!options.yes) {
      const answer = await (options.confirm ?? askOnTerminal)('Adopt? Type "yes": ');
      if (answer.trim().toLowerCase() !== 'yes')
        throw new PhoenixError('ABORTED', 'adopt aborted; nothing was changed');
    }
    const journal = await openJournal(lockDir(stack.project), 'adopt');
    let results: AdoptResult[];
    try {
      results = await adoptVolumes(stack, podman, plan, { journal, log: err });
    } finally {
      await journal.close();
    }
    if (options.json) {
      out(JSON.stringify({ adopted: results, skipped: plan.skipped }, null, 2));
    } else {
      for (const r of results) {
        const db = r.clusterState === null ? '' : `, database cluster state "${r.clusterState}"`;
        out(
          `adopted ${r.volume} into ${r.target}: ${r.entries} entries, ${formatBytes(r.bytes)} verified${db}`,
        );
        out(keptLine(r, remote));
      }
    }
    return results;
  } finally {
    await lock.release();
  }
}
