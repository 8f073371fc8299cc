import { access, constants } from 'node:fs/promises';
import { PhoenixError, type Stack } from '@phoenix-hydra/core';
import { type RepoAccess, resticVersion, shownRepo } from '@phoenix-hydra/offsite';
import type { AgentConfig } from '../config/schema.ts';

/** Where the off-host job writes: restic's access (password by file or variable name only) and the repository as shown. */
export interface OffsiteTarget {
  access: RepoAccess;
  /** The repository without credentials: the metrics' `repository` label, events and logs. */
  shown: string;
}

function invalid(message: string, hint: string, cause?: unknown): PhoenixError {
  return new PhoenixError('CONFIG_INVALID', `offsite: ${message}`, { hint, cause });
}

/**
 * The off-host job's target, or null when `offsite` is absent. The repository is offsite.repo, else the
 * compose file's x-phoenix.offsite.repo (with its password source); the password comes from
 * offsite.passwordFile/passwordEnv, else RESTIC_PASSWORD_FILE/RESTIC_PASSWORD_COMMAND. The agent at start
 * and `check-config` both call this, so they accept and refuse the same configurations.
 */
export async function offsiteTarget(
  config: AgentConfig,
  stack: Stack,
  env: NodeJS.ProcessEnv,
): Promise<OffsiteTarget | null> {
  const offsite = config.offsite;
  if (offsite === undefined) return null;
  const configured = offsite.repo === undefined ? stack.offsite : undefined;
  const repo = offsite.repo ?? configured?.repo;
  if (repo === undefined) {
    throw invalid(
      `no repository: offsite.repo is not set and ${stack.composeFile ?? 'the built-in stack'} has no x-phoenix.offsite.repo`,
      'set offsite.repo in the agent config (any restic location: /path, sftp:, rest:, s3:, rclone:)',
    );
  }
  const own = offsite.passwordFile !== undefined || offsite.passwordEnv !== undefined;
  const passwordFile = own ? offsite.passwordFile : configured?.passwordFile;
  const passwordEnv = own ? offsite.passwordEnv : configured?.passwordEnv;
  const shown = shownRepo(repo);
  if (passwordEnv !== undefined && !env[passwordEnv]) {
    throw invalid(
      `environment variable ${passwordEnv} (the password of ${shown}) is not set`,
      `set ${passwordEnv} in the agent's environment (systemd: EnvironmentFile=)`,
    );
  }
  if (passwordFile !== undefined) {
    await access(passwordFile, constants.R_OK).catch((error: unknown) => {
      throw invalid(
        `cannot read the password file ${passwordFile} of ${shown}`,
        'check offsite.passwordFile',
        error,
      );
    });
  } else if (passwordEnv === undefined && !env.RESTIC_PASSWORD_FILE && !env.RESTIC_PASSWORD_COMMAND) {
    throw invalid(
      `no password source for ${shown}`,
      'set offsite.passwordFile or offsite.passwordEnv, or RESTIC_PASSWORD_FILE / RESTIC_PASSWORD_COMMAND in the agent environment',
    );
  }
  await resticVersion();
  return { access: { repo, passwordFile, passwordEnv }, shown };
}
