import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { reportError } from './report-error.ts';
import { addStackOptions } from './stack-options.ts';

/** Builds the commander program; each command's module is loaded only when that command runs. */
export function buildProgram(setExitCode: (code: number) => void = () => undefined): Command {
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

  addStackOptions(
    program
      .command('setup')
      .description(
        'create the volume directories with their modes, give each to the container user that writes it\n' +
          '(podman unshare chown), seed nginx default.conf, and create the bind-backed podman volumes\n' +
          'podman-compose will reuse. Prints the plan first; running it twice changes nothing.',
      )
      .option('-n, --dry-run', 'print the plan and stop')
      .option('--json', 'print the plan and outcome as JSON on stdout'),
  ).action(async (options) => {
    const { setupCommand } = await import('./commands/setup.ts');
    await setupCommand(options);
  });

  addStackOptions(
    program
      .command('check')
      .alias('test')
      .description(
        'check each volume: directory, mode, owner as the container sees it, podman volume binding,\n' +
          'a real write (or read) probe as the container user, free space. Exit 0 all pass, 1 any fails.',
      )
      .option('--json', 'print results as JSON on stdout')
      .option('--no-probe', 'skip the throwaway-container probes')
      .option('--probe-image <image>', "image for the probes (default: the service's own image)"),
  ).action(async (options) => {
    const { checkCommand } = await import('./commands/check.ts');
    setExitCode(await checkCommand(options));
  });

  addStackOptions(
    program
      .command('cleanup')
      .description(
        "DELETE the stack's volume directories (subuid-owned files included, through podman unshare)\n" +
          'and its podman volumes. Lists what goes with sizes and asks you to type the project name.\n' +
          'Backups are never touched.',
      )
      .option('-y, --yes', 'do not ask for confirmation')
      .option('--stop', 'stop and remove the containers that use the volumes first')
      .option('--json', 'print what was removed as JSON on stdout'),
  ).action(async (options) => {
    const { cleanupCommand } = await import('./commands/cleanup.ts');
    await cleanupCommand(options);
  });

  return program;
}

/** Parses argv (without node and script), runs the command and returns the process exit code. */
export async function run(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    return reportError(error, { json });
  }
}
