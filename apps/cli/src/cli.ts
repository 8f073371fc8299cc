import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { interruptedExitCode } from './interrupt.ts';
import { commandRegistrations } from './register/index.ts';
import { refuseRemotePodman } from './user-namespace.ts';

/** Builds the commander program; each command's module is loaded only when that command runs. */
export function buildProgram(setExitCode: (code: number) => void = () => undefined): Command {
  const program = new Command()
    .name('phoenix-volumes')
    .description(
      "Set up, check, back up, restore, watch and clean up the volumes of Phoenix Hydra's rootless Podman " +
        'stack (PostgreSQL in db_data, nginx configuration in nginx_config, logs), with the UID mapping done right.',
    )
    .version(pkg.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  for (const register of commandRegistrations) register(program, setExitCode);
  // The one check before any command enters the user namespace (in-process or by re-running itself).
  program.hook('preAction', (_program, action) => refuseRemotePodman(commandPath(action), action.opts()));
  return program;
}

/** `backup create` for the create subcommand: the names from below the program down to the command. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
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
    // Loaded on failure only, like the commands: --help, --version and the outer process of a command that
    // re-runs itself in the user namespace load commander and the registrations, nothing else.
    const { reportError } = await import('./report-error.ts');
    const code = reportError(error, { json });
    return interruptedExitCode() ?? code; // stopped by SIGINT/SIGTERM: 130/143, as shells expect
  }
}
