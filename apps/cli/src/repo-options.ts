import type { RepoAccess } from '@phoenix-hydra/offsite';
import type { Command } from 'commander';
import { type StackOptions, stackRequest } from './stack-options.ts';

/** --repo and where its password comes from: backup create/ls/verify/prune and restore take them. */
export interface RepoOptions {
  repo?: string;
  repoPasswordFile?: string;
  repoPasswordEnv?: string;
  /** Use the repository the compose file's x-phoenix.offsite names (--repo overrides it). */
  offsite?: boolean;
}

/** Adds --repo, --offsite, --repo-password-file and --repo-password-env (never the password itself). */
export function addRepoOptions(command: Command): Command {
  return command
    .option(
      '--offsite',
      'the restic repository x-phoenix.offsite of the compose file names (with its password source)',
    )
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

/** Whether the command works on a restic repository (--repo or --offsite) instead of the backup directory. */
export function wantsRepo(options: RepoOptions): boolean {
  return options.repo !== undefined || options.offsite === true;
}

/**
 * The options with `repo` set: --repo as given (with its password flags), else for --offsite the
 * compose file's x-phoenix.offsite, whose passwordFile/passwordEnv apply unless a flag names another.
 */
export async function withRepo<T extends RepoOptions & StackOptions & { cwd?: string | undefined }>(
  options: T,
): Promise<T & RepoOptions & { repo: string }> {
  if (options.repo !== undefined) return { ...options, repo: options.repo };
  // Loaded here: the register files import this module, and registering must not load zod and yaml.
  const { PhoenixError, resolveStack } = await import('@phoenix-hydra/core');
  const { stack } = await resolveStack(stackRequest(options, options.cwd ?? process.cwd()));
  const configured = stack.offsite;
  if (configured === undefined) {
    const where = stack.composeFile ?? 'the built-in stack (no compose file found)';
    throw new PhoenixError('USAGE', `--offsite: no off-host repository is configured in ${where}`, {
      hint: 'add `x-phoenix: { offsite: { repo: REPO, passwordFile: FILE } }` to the compose file, or pass --repo REPO',
    });
  }
  const flagged = options.repoPasswordFile !== undefined || options.repoPasswordEnv !== undefined;
  return {
    ...options,
    repo: configured.repo,
    ...(flagged || configured.passwordFile === undefined
      ? {}
      : { repoPasswordFile: configured.passwordFile }),
    ...(flagged || configured.passwordEnv === undefined ? {} : { repoPasswordEnv: configured.passwordEnv }),
  };
}
