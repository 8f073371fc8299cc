import { defaultBackupDir, resolveStack } from '@phoenix-hydra/core';
import type { CommandIO } from './context.ts';
import { type StackOptions, stackRequest } from './stack-options.ts';
import { stackOriginLine } from './stack-origin.ts';

/** Where backups are read and written: --backup-dir, or the old names --to / --from, kept as hidden aliases. */
export interface BackupDirOptions {
  backupDir?: string;
  /** @deprecated alias of backupDir (backup create, cleanup). */
  to?: string;
  /** @deprecated alias of backupDir (backup ls/verify/prune, restore). */
  from?: string;
}

/** The backup directory the options name, or the default. */
export function backupDirOf(options: BackupDirOptions): string {
  return options.backupDir ?? options.to ?? options.from ?? defaultBackupDir();
}

/** The project whose backups ls/verify/prune work on: the stack's, or every project's with --all-projects. */
export async function projectScope(
  options: StackOptions & {
    allProjects?: boolean;
    cwd?: string | undefined;
    stderr?: NodeJS.WritableStream | undefined;
  },
): Promise<string | undefined> {
  if (options.allProjects) return undefined;
  const cwd = options.cwd ?? process.cwd();
  const { stack, source } = await resolveStack(stackRequest(options, cwd));
  (options.stderr ?? process.stderr).write(`${stackOriginLine({ stack, source }, cwd)}\n`);
  return stack.project;
}

/** The options of the commands that work on one project's backups: backup ls, verify and prune. */
export interface BackupScopeOptions extends BackupDirOptions, StackOptions, CommandIO {
  json?: boolean;
  /** Every project's backups, not only the stack's. */
  allProjects?: boolean;
}

/** Where backup ls/verify/prune write, which directory they read and the project they keep to. */
export async function backupScope(
  options: BackupScopeOptions,
): Promise<{ stdout: NodeJS.WritableStream; backupDir: string; project: string | undefined }> {
  return {
    stdout: options.stdout ?? process.stdout,
    backupDir: backupDirOf(options),
    project: await projectScope(options),
  };
}
