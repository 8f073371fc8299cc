/** The part of a commander `Command` the habits set; structural, so core does not depend on commander. */
export interface CliProgram<T> {
  version(version: string, flags?: string, description?: string): T;
  helpOption(flags?: string | boolean, description?: string): T;
  showHelpAfterError(displayHelp?: boolean | string): T;
  exitOverride(): T;
}

/**
 * podman's habits, the same for both binaries (phoenix-volumes, phoenix-volumes-agent): `-V, --version`,
 * `-h, --help`, a pointer to --help after a usage error, and errors thrown to index.ts, the one place that
 * sets the exit code.
 */
export function withCliHabits<T extends CliProgram<T>>(program: T, version: string): T {
  return program
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}
