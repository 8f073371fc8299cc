import {
  acquireLock,
  describeJournal,
  type Lock,
  readJournal,
  removeJournal,
  repairSwap,
} from '@phoenix-hydra/backup';
import { isPhoenixError, lockDir, PhoenixError, type Stack } from '@phoenix-hydra/core';
import { adoptFilesFor, composeUp, finishRebind } from '@phoenix-hydra/operations/adopt';
import { repairSwapOnMachine, startAndCheck } from '@phoenix-hydra/operations/backup';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { needsUserNamespace } from './user-namespace.ts';

/**
 * Finishes or undoes what a killed operation of the project left (see backup's journal): puts a
 * volume renamed away back, removes staging copies, starts the containers it stopped, and says so
 * on stderr. Run by the commands that take the project's lock, before they take it; a journal of an
 * operation still running (its lock is held) is left alone. Through a remote podman the directories are
 * on the machine: helper containers of the stack's images look at them and rename or remove them.
 */
export async function repairInterrupted(
  stack: Stack,
  podman: Podman,
  err: (line: string) => void,
): Promise<void> {
  const dir = lockDir(stack.project);
  if ((await readJournal(dir)) === null) return;
  let lock: Lock;
  try {
    lock = await acquireLock(dir, { operation: 'repair' });
  } catch (error) {
    if (isPhoenixError(error) && error.code === 'LOCKED') return;
    throw error;
  }
  try {
    const state = await readJournal(dir);
    if (state === null) return;
    err(`warning: ${describeJournal(state)}; repairing it now:`);
    const failed: string[] = [];
    const remote = (await podman.remote()).remote;
    for (const swap of state.swaps) {
      try {
        // Outside the user namespace (setup), trees owned by container users are removed through it.
        const remove = needsUserNamespace() ? (path: string) => podman.unshare.rmrf(path) : undefined;
        const lines = remote
          ? await repairSwapOnMachine(podman, stack, swap, state.operation)
          : await repairSwap(swap, remove, state.operation);
        for (const line of lines) err(`  ${line}`);
      } catch (error) {
        failed.push(`${swap.target}: ${(error as Error).message}`);
      }
    }
    // Adopt: the copy is in place; bind the volume to it and bring the containers back (finished, not undone).
    for (const rebind of state.rebind) {
      try {
        const files = await adoptFilesFor(podman, stack);
        for (const line of await finishRebind(podman, rebind, files)) err(`  ${line}`);
      } catch (error) {
        failed.push(`${rebind.volume}: ${(error as Error).message}`);
      }
    }
    for (const file of failed.length === 0 ? state.composeUp : []) {
      try {
        await composeUp(file);
        err(`  started the stack again: podman-compose -f ${file} up -d`);
      } catch (error) {
        failed.push(`podman-compose -f ${file} up -d: ${(error as Error).message}`);
      }
    }
    for (const container of state.stopped) {
      const problem = await startAndCheck(podman, container);
      if (problem === null) err(`  started ${container} again (the ${state.operation} had stopped it)`);
      else failed.push(`could not start ${container} again: ${problem}`);
    }
    if (failed.length > 0) {
      throw new PhoenixError(
        'REPAIR_FAILED',
        `could not repair what an interrupted ${state.operation} left: ${failed.join('; ')}`,
        {
          hint: `fix the cause and run the command again (the journal ${dir} stays until the repair succeeds)`,
          details: { failed },
        },
      );
    }
    await removeJournal(dir);
    err('  repaired; continuing');
  } finally {
    await lock.release();
  }
}
