import type { Command } from 'commander';
import { addStackOptions } from '../stack-options.ts';

/** Registers `phoenix-volumes inspect VOLUME`. */
export function registerInspect(program: Command, setExitCode: (code: number) => void): void {
  addStackOptions(
    program
      .command('inspect')
      .argument('<volume>', 'a volume of the stack, e.g. db_data')
      .summary("one volume's spec next to podman's named volume and each container's mount and id")
      .description(
        "show one volume: its spec; podman's named volume (driver options, where the data really is); the " +
          "directory's mode and owner; each container's mount (source, destination, rw/ro, options) and its " +
          '`id` output. Differences are listed (JSON: `differences`). Exit 1 with differences, 2 for an unknown volume.',
      )
      .option('--json', 'print the inspection as JSON on stdout'),
  ).action(async (volume: string, options) => {
    const { inspectCommand } = await import('../commands/inspect.ts');
    setExitCode(await inspectCommand({ ...options, volume }));
  });
}
