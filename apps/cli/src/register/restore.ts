import type { Command } from 'commander';
import { addBackupDirOption } from '../backup-dir-option.ts';
import { addPgConnectionOptions } from '../pg-options.ts';
import { addRepoOptions, wantsRepo, withRepo } from '../repo-options.ts';
import { addStackOptions } from '../stack-options.ts';
import { entersUserNamespace, rerunInUserNamespace } from '../user-namespace.ts';

/** Registers `phoenix-volumes restore`. */
export function registerRestore(program: Command, setExitCode: (code: number) => void): void {
  const restore = addStackOptions(
    addBackupDirOption(
      addPgConnectionOptions(
        program
          .command('restore')
          .argument('<id>', 'backup id (see backup ls)')
          .summary('restore volumes from a verified backup, keeping the current data beside it')
          .description(
            'Verify the backup, then restore each volume: archives through a staging directory swapped in with ' +
              'renames (the current data kept as <volume>.pre-restore-<time>, owners restored as the container sees ' +
              'them), pg_dump backups with pg_restore --clean --if-exists into the running database.',
          )
          .option(
            '-v, --volume <name>',
            'restore only this volume (repeatable)',
            (v: string, p: string[] = []) => [...p, v],
          )
          .option('--stop', 'stop the containers using the volumes, restore, start them again')
          .option('-y, --yes', 'do not ask for confirmation')
          .option('--pg-password-env <var>', 'environment variable holding the database password')
          .option(
            '--pg-user <name>',
            "role to restore a dump as (default: x-phoenix.postgres.user, the container's POSTGRES_USER, or the one psql connects as)",
          )
          .option(
            '--pg-database <name>',
            "database to restore a dump into (default: the container's POSTGRES_DB); also accepts a dump of another database",
          )
          .option(
            '--from-project <name>',
            'accept a backup of this other project, restoring it into this stack',
          )
          .option('--json', 'print what was restored as JSON on stdout'),
      ),
    ),
  );
  addRepoOptions(restore).action(async (id: string, options) => {
    // Through a remote podman there is no namespace to enter: archives are restored by helper containers.
    if (await entersUserNamespace()) return setExitCode(await rerunInUserNamespace(process.argv.slice(2)));
    if (wantsRepo(options)) {
      const { restoreFromRepo } = await import('../commands/backup-repo.ts');
      return restoreFromRepo({ ...(await withRepo(options)), id });
    }
    const { restoreCommand } = await import('../commands/restore.ts');
    await restoreCommand({ ...options, id });
  });
}
