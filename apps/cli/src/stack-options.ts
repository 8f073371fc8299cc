import type { Command } from 'commander';

/** Options every stack-aware command accepts, in one place so their help reads the same. */
export interface StackOptions {
  compose?: string;
  project?: string;
  baseDir?: string;
}

export function addStackOptions(command: Command): Command {
  return command
    .option(
      '-f, --compose <file>',
      'compose file to read (default: podman-compose.yaml, compose.yaml or docker-compose.yml in the current directory; none: the built-in Phoenix Hydra stack)',
    )
    .option('-p, --project <name>', 'compose project name (default: as podman-compose would name it)')
    .option(
      '--base-dir <dir>',
      'directory holding the volume directories (default: ~/.local/share/<project>)',
    );
}

export function stackRequest(options: StackOptions, cwd = process.cwd()) {
  return {
    cwd,
    ...(options.compose === undefined ? {} : { composeFile: options.compose }),
    ...(options.project === undefined ? {} : { project: options.project }),
    ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
  };
}
