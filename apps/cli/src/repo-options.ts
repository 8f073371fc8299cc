import type { RepoAccess } from '@phoenix-hydra/offsite';
import type { Command } from 'commander';

/** --repo and where its password comes from: backup create/ls/verify/prune and restore take them. */
export interface RepoOptions {
  repo?: string;
  repoPasswordFile?: string;
  repoPasswordEnv?: string;
}

/** Adds --repo, --repo-password-file and --repo-password-env (never the password itself). */
export function addRepoOptions(command: Command): Command {
  return command
    .option(
      '--repo <repo>',
      'a restic repository instead of the backup directory (/path, sftp:, rest:, s3:, rclone: …)',
    )
    .option(
      '--repo-password-file <file>',
      'file holding the repository password (default: RESTIC_PASSWORD_FILE or RESTIC_PASSWORD_COMMAND)',
    )
    .option('--repo-password-env <var>', 'environment variable holding the repository password');
}

/** How the offsite package reaches the repository the options name. */
export function repoAccess(options: RepoOptions & { repo: string }, signal?: AbortSignal): RepoAccess {
  return {
    repo: options.repo,
    passwordFile: options.repoPasswordFile,
    passwordEnv: options.repoPasswordEnv,
    ...(signal ? { signal } : {}),
  };
}
