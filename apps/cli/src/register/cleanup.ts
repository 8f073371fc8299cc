import type { Command } from 'commander';
import { addStackOptions } from '../stack-options.ts';

/** Registers `phoenix-volumes cleanup`. */
export function registerCleanup(program: Command): void {
  addStackOptions(
    program
      .command('cleanup')
      .summary("delete the stack's volume directories and podman volumes, after asking")
      .description(
        "DELETE the stack's volume directories (subuid-owned files included, through podman unshare) " +
          'and its podman volumes. Lists what goes with sizes and asks you to type the project name. ' +
          'Backups are never touched.',
      )
      .option('-y, --yes', 'do not ask for confirmation')
      .option('--stop', 'stop and remove the containers that use the volumes first')
      .option('--json', 'print what was removed as JSON on stdout'),
  ).action(async (options) => {
    const { cleanupCommand } = await import('../commands/cleanup.ts');
    await cleanupCommand(options);
  });
}
