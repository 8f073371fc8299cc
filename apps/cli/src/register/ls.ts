import type { Command } from 'commander';
import { addStackOptions } from '../stack-options.ts';

/** Registers `phoenix-volumes ls`. */
export function registerLs(program: Command, setExitCode: (code: number) => void): void {
  addStackOptions(
    program
      .command('ls')
      .summary("the stack's volumes next to what podman really has (exit 1 on differences)")
      .description(
        "list the stack's volumes: host path, podman volume and where it really keeps the data, the " +
          'containers that mount it; differences from the spec are marked DIFF with their fix. Exit 1 when any.',
      )
      .option('--json', 'print the volumes and their differences as JSON on stdout'),
  ).action(async (options) => {
    const { lsCommand } = await import('../commands/ls.ts');
    setExitCode(await lsCommand(options));
  });
}
