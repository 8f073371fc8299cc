import type { Command } from 'commander';
import { addStackOptions } from '../stack-options.ts';

/** Registers `phoenix-volumes setup`. */
export function registerSetup(program: Command): void {
  addStackOptions(
    program
      .command('setup')
      .summary('create and own the volume directories and podman volumes (idempotent)')
      .description(
        'create the volume directories with their modes, give each to the container user that writes it ' +
          '(podman unshare chown; through a remote podman, helper containers), seed nginx default.conf, and create the bind-backed podman volumes ' +
          'podman-compose will reuse. Prints the plan first; running it twice changes nothing.',
      )
      .option('-n, --dry-run', 'print the plan and stop')
      .option('--json', 'print the plan and outcome as JSON on stdout'),
  ).action(async (options) => {
    const { setupCommand } = await import('../commands/setup.ts');
    await setupCommand(options);
  });
}
