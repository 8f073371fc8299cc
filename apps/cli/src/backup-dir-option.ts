import { type Command, Option } from 'commander';

// Apart from backup-dir.ts so that registering the option loads no @phoenix-hydra/core (zod, yaml): every
// command's registration runs on every start, --version and the outer process of a namespace re-run included.

const HELP =
  'backup directory (default: ~/.local/state/phoenix-hydra/backups, under $XDG_STATE_HOME when set)';

/** Adds --backup-dir and its hidden aliases --to and --from to a command that reads or writes backups. */
export function addBackupDirOption(command: Command): Command {
  return command
    .option('--backup-dir <dir>', HELP)
    .addOption(new Option('--to <dir>', 'alias of --backup-dir').hideHelp())
    .addOption(new Option('--from <dir>', 'alias of --backup-dir').hideHelp());
}
