import { type Command, InvalidArgumentError, Option } from 'commander';
import { addBackupDirOption } from '../backup-dir-option.ts';
import { addPgConnectionOptions } from '../pg-options.ts';
import { addRepoOptions, wantsRepo, withRepo } from '../repo-options.ts';
import { addStackOptions } from '../stack-options.ts';
import { entersUserNamespace, rerunInUserNamespace } from '../user-namespace.ts';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The stack options, the backup directory and --all-projects: ls, verify and prune work on one project's backups. */
function scoped(command: Command): Command {
  return addStackOptions(
    addRepoOptions(addBackupDirOption(command)).option(
      '--all-projects',
      "include other projects' backups in the same directory",
    ),
  );
}

/** Registers `phoenix-volumes backup create|ls|verify|prune`. */
export function registerBackup(program: Command, setExitCode: (code: number) => void): void {
  const backup = program
    .command('backup')
    .summary('create, list, verify and prune backups')
    .description(
      'Backups of the stack volumes: zstd (or gzip) tar archives readable by GNU tar, pg_dump for a running ' +
        'database, a manifest with sha256 of every artifact, written atomically (a killed backup never shows).',
    );

  const create = addStackOptions(
    addBackupDirOption(
      addPgConnectionOptions(backup.command('create'))
        .description(
          'Back up the stack volumes (all with a backup strategy, or those named with --volume). A running ' +
            'database is dumped with pg_dump through podman exec; its files are archived only with --stop.',
        )
        .option('-v, --volume <name>', 'back up this volume (repeatable)', collect)
        .option('--stop', 'stop the containers using the volumes, archive the files, start them again')
        .addOption(
          new Option('--compression <kind>', 'archive compression').choices(['zstd', 'gzip']).default('zstd'),
        )
        .option(
          '--pg-user <name>',
          "database user for pg_dump (default: x-phoenix.postgres.user, the container's POSTGRES_USER, or the one psql connects as)",
        )
        .option('--pg-database <name>', "database to dump (default: the container's POSTGRES_DB)")
        .option(
          '--pg-password-env <var>',
          'environment variable holding the database password (never pass it in argv)',
        )
        .option('--json', 'print the manifest as JSON on stdout'),
    ),
  );
  addRepoOptions(create).action(async (options) => {
    // Through a remote podman there is no namespace to enter: archives stream out of helper containers.
    if (await entersUserNamespace()) return setExitCode(await rerunInUserNamespace(process.argv.slice(2)));
    if (wantsRepo(options))
      return (await import('../commands/backup-repo.ts')).backupCreateToRepo(await withRepo(options));
    const { backupCreateCommand } = await import('../commands/backup-create.ts');
    await backupCreateCommand(options);
  });

  scoped(
    backup
      .command('ls')
      .description(
        'List complete backups, newest first, with size, how they were taken and when last verified.',
      )
      .option('--json', 'print as JSON on stdout'),
  ).action(async (options) => {
    if (wantsRepo(options))
      return (await import('../commands/backup-repo.ts')).backupLsRepo(await withRepo(options));
    const { backupLsCommand } = await import('../commands/backup-ls.ts');
    await backupLsCommand(options);
  });

  scoped(
    backup
      .command('verify')
      .argument('[id]', 'backup id (see backup ls)')
      .description(
        'Recompute every hash, decompress and walk every entry, compare with the manifest. Exit 1 when damaged.',
      )
      .option('--all', 'verify every backup')
      .option('--read-data', 'with --repo: also restic check --read-data (every pack of the repository)')
      .option('--json', 'print results as JSON on stdout'),
  ).action(async (id: string | undefined, options) => {
    if (wantsRepo(options)) {
      // A layout 2 tree is restored into a scratch directory with its owners: inside the namespace.
      if (await entersUserNamespace()) return setExitCode(await rerunInUserNamespace(process.argv.slice(2)));
      const { backupVerifyRepo } = await import('../commands/backup-repo.ts');
      return setExitCode(await backupVerifyRepo({ ...(await withRepo(options)), ...(id ? { id } : {}) }));
    }
    const { backupVerifyCommand } = await import('../commands/backup-verify.ts');
    setExitCode(await backupVerifyCommand({ ...options, ...(id ? { id } : {}) }));
  });

  scoped(
    backup
      .command('prune')
      .description(
        "Remove backups no retention rule keeps (restic's semantics: each rule keeps the newest backup of each of " +
          'the last N periods; a rule with count left also keeps the oldest). The newest verified backup is never removed.',
      )
      .option('--keep-last <n>', 'keep the n newest backups', count)
      .option('--keep-daily <n>', 'keep the newest backup of each of the last n days', count)
      .option('--keep-weekly <n>', 'keep the newest backup of each of the last n weeks', count)
      .option('--keep-monthly <n>', 'keep the newest backup of each of the last n months', count)
      .option('--keep-yearly <n>', 'keep the newest backup of each of the last n years', count)
      .option('--keep-hourly <n>', 'keep the newest backup of each of the last n hours', count)
      .option(
        '--keep-within <duration>',
        'keep every backup within this of the newest (restic: 1y6m, 7d, 36h)',
      )
      .option('--keep-within-hourly <duration>', 'keep the newest backup of each hour within this')
      .option('--keep-within-daily <duration>', 'keep the newest backup of each day within this')
      .option('--keep-within-weekly <duration>', 'keep the newest backup of each week within this')
      .option('--keep-within-monthly <duration>', 'keep the newest backup of each month within this')
      .option('--keep-within-yearly <duration>', 'keep the newest backup of each year within this')
      .option('-n, --dry-run', 'list what would be removed, remove nothing')
      .option('--json', 'print the plan as JSON on stdout'),
  ).action(async (options) => {
    if (wantsRepo(options))
      return (await import('../commands/backup-repo.ts')).backupPruneRepo(await withRepo(options));
    const { backupPruneCommand } = await import('../commands/backup-prune.ts');
    await backupPruneCommand(options);
  });
}
