import type { Command } from 'commander';
import { addBackupDirOption } from '../backup-dir-option.ts';
import { addStackOptions } from '../stack-options.ts';
import { entersUserNamespace, rerunInUserNamespace } from '../user-namespace.ts';

/** Registers `phoenix-volumes cleanup`. */
export function registerCleanup(program: Command, setExitCode: (code: number) => void): void {
  addStackOptions(
    addBackupDirOption(
      program
        .command('cleanup')
        .summary("delete the stack's volume directories and podman volumes, after asking")
        .description(
          "DELETE the stack's volume directories (subuid-owned files included, through podman unshare or, remotely, helper containers) " +
            'and its podman volumes. Lists what goes with sizes and asks you to type the project name. ' +
            'A safety backup is taken first (--no-backup skips it); existing backups are never touched.',
        )
        .option('-y, --yes', 'do not ask for confirmation')
        .option('--stop', 'stop and remove the containers that use the volumes first')
        .option('--no-backup', 'skip the safety backup taken before deleting')
        .option('--json', 'print what was removed as JSON on stdout'),
    ),
  ).action(async (options) => {
    // The safety backup reads subuid-owned files: it runs inside the user namespace. Through a remote
    // podman there is none to enter: helper containers measure, archive and remove on the machine.
    if (options.backup !== false && (await entersUserNamespace())) {
      return setExitCode(await rerunInUserNamespace(process.argv.slice(2)));
    }
    const { cleanupCommand } = await import('../commands/cleanup.ts');
    await cleanupCommand(options);
  });
}
