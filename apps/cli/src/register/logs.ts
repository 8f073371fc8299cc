import { type Command, InvalidArgumentError } from 'commander';
import { addStackOptions } from '../stack-options.ts';

function whole(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return n;
}

/** Registers `phoenix-volumes logs rotate`. */
export function registerLogs(program: Command): void {
  const logs = program
    .command('logs')
    .summary('rotate the files of the logs volume')
    .description('Work on the logs volume: `logs rotate` keeps it from filling the disk.');
  addStackOptions(
    logs
      .command('rotate')
      .description(
        'rotate files of the logs volume larger than --max-size: copied and truncated when a process or a ' +
          'running container holds them open (the writer goes on), renamed otherwise; rotated copies are ' +
          'compressed with zstd, --keep per file are kept. Idempotent, one run per project at a time: safe from cron.',
      )
      .option('--max-size <size>', 'rotate files larger than this: 100M, 1G, 500MB', '100M')
      .option('--keep <n>', 'rotated copies kept per file', whole, 5)
      .option('--compress', 'compress rotated copies with zstd (the default)')
      .option('--no-compress', 'keep rotated copies uncompressed')
      .option('--volume <name>', 'rotate this volume (default: every logs volume)')
      .option('--json', 'print what was rotated as JSON on stdout'),
  ).action(async (options) => {
    const { logsRotateCommand } = await import('../commands/logs-rotate.ts');
    await logsRotateCommand(options);
  });
}
