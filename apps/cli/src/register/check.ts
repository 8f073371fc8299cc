import type { Command } from 'commander';
import { addStackOptions } from '../stack-options.ts';

/** Registers `phoenix-volumes check`. */
export function registerCheck(program: Command, setExitCode: (code: number) => void): void {
  addStackOptions(
    program
      .command('check')
      .alias('test')
      .summary('prove each volume works for its container user (exit 1 on failure)')
      .description(
        'check each volume: directory, mode, owner as the container sees it, podman volume binding, ' +
          'a real write (or read) probe as the container user, free space. Exit 0 all pass, 1 any fails.',
      )
      .option('--json', 'print results as JSON on stdout')
      .option('--no-probe', 'skip the throwaway-container probes')
      .option('--probe-image <image>', "image for the probes (default: the service's own image)"),
  ).action(async (options) => {
    const { checkCommand } = await import('../commands/check.ts');
    setExitCode(await checkCommand(options));
  });
}
