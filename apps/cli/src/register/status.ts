import { type Command, InvalidArgumentError } from 'commander';
import { addStackOptions } from '../stack-options.ts';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number, 1 or more');
  return n;
}

/** Registers `phoenix-volumes status`. */
export function registerStatus(program: Command, setExitCode: (code: number) => void): void {
  addStackOptions(
    program
      .command('status')
      .summary('usage, free space, containers, users and backup age of each volume (--watch, --io)')
      .description(
        'per volume: host path, bytes and files used (read inside podman unshare where you cannot read), the ' +
          "filesystem's size, free bytes and inodes against its threshold (database: 10 GB free; logs: a size " +
          'cap), the containers that mount it and the user they run as (container and host uid), and the ' +
          "newest backup's age. --io adds the block device's counters from /proc/diskstats, per-container " +
          'block I/O (podman stats) and growth and changed files since the previous status.',
      )
      .option('--json', 'print the status as JSON on stdout')
      .option('--io', 'add I/O counters, growth rate and changed files')
      .option(
        '-w, --watch [seconds]',
        'refresh every SECONDS (default 5): in place on a terminal, else a JSON line each time',
      )
      .option('--count <n>', 'with --watch: stop after N updates', positive)
      .option('--logs-cap <size>', 'warn when a logs volume holds more than SIZE (default 1G)')
      .option('--backup-dir <dir>', 'where backups are (default: ~/.local/state/phoenix-hydra/backups)'),
  ).action(async (options) => {
    const { statusCommand } = await import('../commands/status.ts');
    setExitCode(await statusCommand(options));
  });
}
