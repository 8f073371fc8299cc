import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { reportError } from './report-error.ts';
import { addStackOptions } from './stack-options.ts';

/** Builds the commander program; each command's module is loaded only when that command runs. */
export function buildProgram(): Command {
  const program = new Command()
    .name('phoenix-volumes')
    .description(
      "Set up, check, back up, restore, watch and clean up the volumes of Phoenix Hydra's rootless Podman stack\n" +
        '(PostgreSQL in db_data, nginx configuration in nginx_config, logs), with the UID mapping done right.',
    )
    .version(pkg.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  addStackOptions(
    program
      .command('config')
      .description('print the stack this tool believes in: project, base directory and each volume, resolved')
      .option('--json', 'print the resolved stack as JSON on stdout'),
  ).action(async (options) => {
    const { configCommand } = await import('./commands/config.ts');
    await configCommand(options);
  });

  return program;
}

/** Parses argv (without node and script), runs the command and returns the process exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    return reportError(error, { json });
  }
}
