import { PhoenixError } from '@phoenix-hydra/errors';
import { execa } from 'execa';

/** Where the repository is and how restic gets its password: never through argv, never logged. */
export interface RepoAccess {
  /** Any restic location: `/path`, `sftp:host:/path`, `rest:http://…`, `s3:…`, `rclone:…`. */
  repo: string;
  /** A file holding the password: sent to restic as RESTIC_PASSWORD_FILE. */
  passwordFile?: string | undefined;
  /** Name of an environment variable of this process holding the password: sent as RESTIC_PASSWORD. */
  passwordEnv?: string | undefined;
  /** The restic binary (default: `restic` on PATH). */
  bin?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** The oldest restic this package is tested with (Debian 12's): `backup --json`, `forget --keep-within-*`. */
export const MIN_RESTIC = [0, 14] as const;

/** Variables of this process restic must not see: we pass the repository and password ourselves. */
const OWN_VARIABLES = ['RESTIC_REPOSITORY', 'RESTIC_REPOSITORY_FILE', 'RESTIC_PASSWORD'];

/** The repository with any `user:password@` of a URL hidden: what messages may show. */
export function shownRepo(repo: string): string {
  return repo.replace(/\/\/[^/@]*@/, '//***@');
}

/**
 * restic's environment: the repository (not argv: a `rest:` URL may hold credentials) and the password
 * source. Without --repo-password-file/--repo-password-env, an inherited RESTIC_PASSWORD_FILE or
 * RESTIC_PASSWORD_COMMAND is used; a bare inherited RESTIC_PASSWORD is not passed on.
 */
export function resticEnv(access: RepoAccess): { env: Record<string, string>; secrets: string[] } {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !OWN_VARIABLES.includes(key)) env[key] = value;
  env.RESTIC_REPOSITORY = access.repo;
  const secrets: string[] = [];
  if (access.passwordFile !== undefined) {
    delete env.RESTIC_PASSWORD_COMMAND;
    env.RESTIC_PASSWORD_FILE = access.passwordFile;
  } else if (access.passwordEnv !== undefined) {
    const password = process.env[access.passwordEnv];
    if (password === undefined || password === '') {
      throw new PhoenixError(
        'USAGE',
        `environment variable ${access.passwordEnv} (the repository password) is not set`,
        { hint: `export ${access.passwordEnv}=... before running the command` },
      );
    }
    delete env.RESTIC_PASSWORD_FILE;
    delete env.RESTIC_PASSWORD_COMMAND;
    env.RESTIC_PASSWORD = password;
    secrets.push(password);
  } else if (env.RESTIC_PASSWORD_FILE === undefined && env.RESTIC_PASSWORD_COMMAND === undefined) {
    throw new PhoenixError('USAGE', `no password for repository ${shownRepo(access.repo)}`, {
      hint: 'set RESTIC_PASSWORD_FILE or RESTIC_PASSWORD_COMMAND, or pass --repo-password-file FILE or --repo-password-env VAR',
    });
  }
  if (access.repo.includes('@')) secrets.push(access.repo);
  return { env, secrets };
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.replaceAll(secret, '***');
  return out;
}

/** The last lines of restic's stderr that say something (progress and warnings about locks left out). */
function reason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('repository ') && !l.startsWith('using parent'));
  const fatal = lines.find((l) => l.startsWith('Fatal:'));
  return fatal ?? (lines.slice(-2).join(' ') || 'no message');
}

export interface ResticRun {
  args: readonly string[];
  cwd?: string | undefined;
  /** A command restic runs under (argument array), e.g. a private mount namespace with bind mounts. */
  wrap?: readonly string[] | undefined;
}

/**
 * Runs `restic ARGS` (argument array, no shell) with the repository and password in its environment;
 * resolves with stdout. Failures are RESTIC_MISSING, REPO_NOT_FOUND or RESTIC_FAILED with restic's own
 * reason, scrubbed of the password and repository credentials.
 */
export async function restic(access: RepoAccess, run: ResticRun): Promise<string> {
  const { env, secrets } = resticEnv(access);
  const shown = shownRepo(access.repo);
  const bin = access.bin ?? 'restic';
  const [file, ...args] = [...(run.wrap ?? []), bin, ...run.args] as [string, ...string[]];
  const result = await execa(file, args, {
    env,
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    maxBuffer: 256 * 1024 * 1024,
    ...(run.cwd !== undefined ? { cwd: run.cwd } : {}),
    ...(access.signal ? { cancelSignal: access.signal } : {}),
  });
  if (result.exitCode === 0) return result.stdout;
  if (
    (result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' &&
    result.exitCode === undefined
  ) {
    if (run.wrap === undefined) throw resticMissing();
    throw new PhoenixError(
      'RESTIC_MISSING',
      `${file} is not installed (restic reads the volumes through it)`,
      {
        hint: 'install util-linux (it provides unshare and mount)',
      },
    );
  }
  if (access.signal?.aborted)
    throw new PhoenixError('ABORTED', `restic ${run.args[0]} cancelled`, { cause: result.cause });
  const why = scrub(reason(String(result.stderr)), secrets);
  const command = run.args[0] ?? '';
  if (/unable to open config file|Is there a repository at the following location/.test(result.stderr)) {
    throw new PhoenixError('REPO_NOT_FOUND', `no restic repository at ${shown}`, {
      hint: 'create it once with `restic init` (same RESTIC_REPOSITORY and password), or check the location',
      details: { repo: shown },
    });
  }
  const hint = /wrong password|no key found/.test(result.stderr)
    ? 'the password does not open this repository: check RESTIC_PASSWORD_FILE, --repo-password-file or --repo-password-env'
    : `run \`restic ${command}\` with RESTIC_REPOSITORY=${shown} to see restic's full output`;
  throw new PhoenixError('RESTIC_FAILED', `restic ${command} failed on ${shown}: ${why}`, {
    hint,
    details: { repo: shown, exitCode: result.exitCode ?? null },
  });
}

function resticMissing(found?: string): PhoenixError {
  const want = MIN_RESTIC.join('.');
  return new PhoenixError(
    'RESTIC_MISSING',
    found === undefined
      ? `restic is not installed (off-host backups need restic ${want} or later)`
      : `restic ${found} is too old (off-host backups need ${want} or later)`,
    { hint: `install it: apt-get install restic (Debian 12 ships 0.14), or see https://restic.net` },
  );
}

/** The installed restic's version; RESTIC_MISSING when absent or older than MIN_RESTIC. */
export async function resticVersion(bin = 'restic'): Promise<string> {
  const result = await execa(bin, ['version'], { reject: false, stdin: 'ignore' });
  const match = /restic (\d+)\.(\d+)\.(\d+)/.exec(String(result.stdout));
  if (result.exitCode !== 0 || !match) throw resticMissing();
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const version = `${match[1]}.${match[2]}.${match[3]}`;
  if (major < MIN_RESTIC[0] || (major === MIN_RESTIC[0] && minor < MIN_RESTIC[1]))
    throw resticMissing(version);
  return version;
}
