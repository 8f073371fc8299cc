import type { Command } from 'commander';
import { addStackOptions } from '../stack-options.ts';

/** Registers `phoenix-volumes config`. */
export function registerConfig(program: Command): void {
  addStackOptions(
    program
      .command('config')
      .summary('print the resolved stack: project, base directory, volumes')
      .description('print the stack this tool believes in: project, base directory and each volume, resolved')
      .option('--json', 'print the resolved stack as JSON on stdout'),
  ).action(async (options) => {
    const { configCommand } = await import('../commands/config.ts');
    await configCommand(options);
  });
}
