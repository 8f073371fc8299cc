import { applySetup, observeStack, planSetup } from '@phoenix-hydra/diagnostics';
import { volumeFilesFor } from '@phoenix-hydra/podman-adapter';
import { type CommandIO, openStack } from '../context.ts';
import { repairInterrupted } from '../repair-interrupted.ts';
import type { StackOptions } from '../stack-options.ts';

export interface SetupOptions extends StackOptions, CommandIO {
  dryRun?: boolean;
  json?: boolean;
}

/** `phoenix-volumes setup`: plan, print the plan, then make each volume right; a second run changes nothing. */
export async function setupCommand(options: SetupOptions): Promise<void> {
  const { stack, podman, out, err } = await openStack(options);
  // Before planning: a volume a killed restore had renamed away must be put back, not created empty.
  if (!options.dryRun) await repairInterrupted(stack, podman, err);
  // Chosen once: podman unshare here, helper containers through a remote podman (podman machine).
  const files = await volumeFilesFor(podman);
  const observation = await observeStack(stack, podman, undefined, files);
  const actions = planSetup(observation, {
    via: files.kind === 'helper' ? 'a helper container' : 'podman unshare',
  });
  const names = stack.volumes.map((v) => v.name).join(', ');
  const apply = actions.length > 0 && !options.dryRun;
  if (!options.json) {
    if (actions.length === 0) {
      out(`Nothing to do: ${names} of ${stack.project} are already set up under ${stack.baseDir}.`);
      return;
    }
    out(`Plan for ${stack.project} (${stack.volumes.length} volumes under ${stack.baseDir}):`);
    actions.forEach((a, i) => {
      out(`  ${String(i + 1).padStart(2)}. ${a.describe}`);
    });
    if (options.dryRun) {
      out('Dry run: nothing was changed. Run without --dry-run to apply.');
      return;
    }
  }
  if (apply) {
    await applySetup(podman, actions, {
      baseDir: stack.baseDir,
      files,
      stack,
      onAction: options.json ? undefined : (a, i, n) => err(`[${i + 1}/${n}] ${a.describe}`),
    });
  }
  if (options.json) {
    const changed = apply;
    out(
      JSON.stringify(
        { project: stack.project, baseDir: stack.baseDir, dryRun: Boolean(options.dryRun), changed, actions },
        null,
        2,
      ),
    );
    return;
  }
  out(
    `Done: ${actions.length} change${actions.length === 1 ? '' : 's'} applied. Run \`phoenix-volumes check\` to verify.`,
  );
}
