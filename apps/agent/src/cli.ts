import { isPhoenixError } from '@phoenix-hydra/core';
import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };

const CONFIG_HELP = 'agent configuration (default: ~/.config/phoenix-volumes/agent.yaml, $XDG_CONFIG_HOME)';

/** Builds the commander program; each command's module is loaded only when it runs. */
export function buildProgram(setExitCode: (code: number) => void, argv: readonly string[]): Command {
  const program = new Command()
    .name('phoenix-volumes-agent')
    .description(
      'Watches the volumes of a Phoenix Hydra stack (usage, free space, nginx configuration, podman events), ' +
        'runs scheduled backups, verifies and prunes them, raises events to hooks and serves Prometheus metrics.',
    )
    .version(pkg.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('run', { isDefault: true })
    .description('Run the agent in the foreground until SIGTERM or SIGINT (JSON logs on stdout)')
    .option('-c, --config <file>', CONFIG_HELP)
    .action(async (options: { config?: string }) => {
      const { runCommand } = await import('./commands/run.ts');
      setExitCode(await runCommand({ config: options.config, argv }));
    });

  program
    .command('check-config')
    .description('Validate the configuration and print what the agent would watch and when')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--json', 'print the resolved configuration as JSON')
    .action(async (options: { config?: string; json?: boolean }) => {
      const { checkConfigCommand } = await import('./commands/check-config.ts');
      await checkConfigCommand(options);
    });

  program
    .command('install')
    .description('Write a systemd user unit running this agent, and print how to enable it (and linger)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('-n, --dry-run', 'print the unit and the steps, write nothing')
    .option('--unit-dir <dir>', 'where to write the unit (default: ~/.config/systemd/user)')
    .action(async (options: { config?: string; dryRun?: boolean; unitDir?: string }) => {
      const { installCommand } = await import('./commands/install.ts');
      await installCommand(options);
    });

  program
    .command('uninstall')
    .description('Stop and disable the user service, and remove its unit')
    .option('-n, --dry-run', 'print what would be done')
    .option('--unit-dir <dir>', 'where the unit is (default: ~/.config/systemd/user)')
    .action(async (options: { dryRun?: boolean; unitDir?: string }) => {
      const { uninstallCommand } = await import('./commands/install.ts');
      await uninstallCommand(options);
    });
  return program;
}

/** Parses argv (without node and script), runs the command and returns the exit code (0, 1, 2). */
export async function run(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  }, argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (isPhoenixError(error)) {
      process.stderr.write(`error: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
      return error.exitCode;
    }
    process.stderr.write(
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
