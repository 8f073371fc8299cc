import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { PhoenixError } from '@phoenix-hydra/errors';
import { PGDUMP_MAGIC, readHead } from './file-hash.ts';
import { hashTap } from './hash-tap.ts';
import type { Exec, ExecOptions } from './types.ts';

/** Where a logical dump comes from or goes to. */
export interface PostgresTarget {
  exec: Exec;
  /** Passed to exec: the container pg_dump runs in. */
  container?: string | undefined;
  database: string;
  user: string;
  /** Socket directory (absolute path) or host name of the server; libpq's default when undefined. */
  host?: string | undefined;
  /** Port of the server (also names the socket file `.s.PGSQL.<port>`); libpq's default when undefined. */
  port?: number | undefined;
  /** Name of an environment variable of this process holding the password; sent as PGPASSWORD in exec's env. */
  passwordEnv?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** PostgreSQL's limit on identifiers (NAMEDATALEN - 1). */
const MAX_NAME_BYTES = 63;
/** Letters, digits, `_` first; then also `$ . @ -`. No spaces, quotes, `=`, `/`, `:` or control characters. */
const NAME_PATTERN = /^[\p{L}\p{N}_][\p{L}\p{N}_$.@-]*$/u;

/**
 * Throws POSTGRES_NAME_INVALID unless `value` is a plain database or role name. libpq reads a
 * `--dbname` holding `=` or `postgresql://` as a connection string (another host, another database),
 * so a name from a backup or the environment must never reach the client tools unchecked.
 */
export function assertPostgresName(kind: 'database' | 'user', value: string): void {
  if (Buffer.byteLength(value) > MAX_NAME_BYTES || !NAME_PATTERN.test(value)) {
    const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
    throw new PhoenixError(
      'POSTGRES_NAME_INVALID',
      `${shown} is not a PostgreSQL ${kind} name (letters, digits, _ $ . @ -, at most ${MAX_NAME_BYTES} bytes)`,
      { hint: `name the ${kind} plainly; connection strings are not accepted`, exitCode: 2 },
    );
  }
}

/** A socket directory (absolute path without quotes or control characters), a host name or an IP address. */
const HOST_PATTERN = /^(\/[^'\\\s\p{Cc}]*|[A-Za-z0-9][A-Za-z0-9.:-]*)$/u;

/**
 * Throws POSTGRES_HOST_INVALID unless `host` is a socket directory or a plain host name and `port` a
 * TCP port: both go into the conninfo string, so nothing may add a keyword of its own.
 */
export function assertPostgresHost(host: string | undefined, port: number | undefined): void {
  if (host !== undefined && (host.length > 1024 || !HOST_PATTERN.test(host))) {
    throw new PhoenixError(
      'POSTGRES_HOST_INVALID',
      `${JSON.stringify(host.slice(0, 80))} is neither a socket directory nor a host name`,
      { hint: 'name the socket directory (/var/run/postgresql, /tmp) or a host name', exitCode: 2 },
    );
  }
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    throw new PhoenixError('POSTGRES_HOST_INVALID', `${port} is not a TCP port`, {
      hint: 'name a port from 1 to 65535 (PostgreSQL listens on 5432 unless told otherwise)',
      exitCode: 2,
    });
  }
}

/**
 * `--username` and `--dbname` arguments for pg_dump, pg_restore and psql: one conninfo string of
 * validated keywords (dbname, host, port), so no value can smuggle in another option or connection string.
 */
export function postgresConnectionArgs(
  target: Pick<PostgresTarget, 'database' | 'user' | 'host' | 'port'>,
): string[] {
  assertPostgresName('database', target.database);
  assertPostgresName('user', target.user);
  assertPostgresHost(target.host, target.port);
  // Quoted keywords: even a name libpq would expand can only ever be a database name.
  const quote = (value: string) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  const conninfo = [
    `dbname=${quote(target.database)}`,
    ...(target.host !== undefined ? [`host=${quote(target.host)}`] : []),
    ...(target.port !== undefined ? [`port=${target.port}`] : []),
  ];
  return [`--username=${target.user}`, `--dbname=${conninfo.join(' ')}`];
}

/** The client's own last line (`pg_restore: error: …`, `psql:<stdin>:3: ERROR: …`) from a failed exec's stderr. */
function lastOwnLine(tool: string, error: unknown): string {
  const details = (error as { details?: { stderr?: unknown } }).details;
  const text = typeof details?.stderr === 'string' ? details.stderr : (error as Error).message;
  const lines = String(text)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  // The line may carry the exec's own prefix (`/usr/bin/pg_restore failed (exit code 1): pg_restore: …`).
  const own = lines.map((l) => l.slice(l.indexOf(`${tool}:`))).findLast((l) => l.startsWith(`${tool}:`));
  return own ?? lines.at(-1) ?? 'unknown error';
}

function execOptions(target: PostgresTarget): ExecOptions {
  const env: Record<string, string> = {};
  if (target.passwordEnv !== undefined) {
    const password = process.env[target.passwordEnv];
    if (password === undefined) {
      throw new PhoenixError(
        'USAGE',
        `environment variable ${target.passwordEnv} (the database password) is not set`,
        {
          hint: `export ${target.passwordEnv}=... before running the command`,
        },
      );
    }
    env.PGPASSWORD = password;
  }
  return {
    env,
    ...(target.container !== undefined ? { container: target.container } : {}),
    ...(target.signal ? { signal: target.signal } : {}),
  };
}

/**
 * Streams `pg_dump -Fc` of one database into `out` (created 0600, fsynced); the password travels in
 * exec's environment, never in argv. `uncompressed` adds `--compress=0`, for stores that deduplicate
 * (a compressed dump changes throughout after one changed row). Returns the dump's size and sha256.
 */
export async function dumpPostgres(
  target: PostgresTarget & { out: string; uncompressed?: boolean | undefined },
): Promise<{ bytes: number; sha256: string }> {
  const argv = [
    'pg_dump',
    '--format=custom',
    ...(target.uncompressed ? ['--compress=0'] : []),
    ...postgresConnectionArgs(target),
  ];
  const { stdout, done } = target.exec(argv, execOptions(target));
  const tap = hashTap();
  const writing = pipeline(
    stdout,
    tap.stream,
    createWriteStream(target.out, { flags: 'wx', mode: 0o600, flush: true }),
  );
  try {
    await Promise.all([writing, done]);
  } catch (error) {
    stdout.destroy();
    await writing.catch(() => {});
    throw new PhoenixError(
      'BACKUP_FAILED',
      `pg_dump of database ${target.database} failed: ${(error as Error).message}`,
      {
        hint: 'check that the database container runs and its socket directory, port, user and password are right',
        cause: error,
      },
    );
  }
  if (!(await readHead(target.out, PGDUMP_MAGIC.length)).equals(PGDUMP_MAGIC)) {
    throw new PhoenixError(
      'BACKUP_FAILED',
      `pg_dump of database ${target.database} produced no custom-format dump`,
    );
  }
  return tap.digest();
}

/**
 * Restores a dump file into a database in one transaction: pg_restore --clean --if-exists for custom-
 * format dumps, psql for plain SQL (told apart by the PGDMP magic). The dump is fed through stdin.
 */
export async function restorePostgres(target: PostgresTarget & { input: string }): Promise<void> {
  const connection = postgresConnectionArgs(target);
  const custom = (await readHead(target.input, PGDUMP_MAGIC.length)).equals(PGDUMP_MAGIC);
  const argv = custom
    ? ['pg_restore', '--clean', '--if-exists', '--single-transaction', ...connection]
    : ['psql', '--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1', '--single-transaction', ...connection];
  const tool = argv[0] ?? 'pg_restore';
  const stdin = createReadStream(target.input);
  // Every stream is listened to: a failed or killed client (EPIPE, a destroyed stdout) must reach
  // the caller as the rejection below, never as an unhandled 'error' event that ends the process.
  let inputError: Error | undefined;
  stdin.on('error', (error) => {
    inputError = error;
  });
  try {
    const { stdout, done } = target.exec(argv, { ...execOptions(target), stdin });
    stdout.on('error', () => {});
    stdout.resume();
    await done;
    if (inputError) throw inputError;
  } catch (error) {
    if (target.signal?.aborted) {
      throw new PhoenixError('ABORTED', `${tool} into database ${target.database} cancelled`, {
        cause: error,
      });
    }
    if (error instanceof PhoenixError && error.code === 'USAGE') throw error;
    throw new PhoenixError(
      'RESTORE_FAILED',
      `${tool} into database ${target.database} failed: ${lastOwnLine(tool, error)}`,
      {
        hint: 'the restore ran in one transaction, so the database is as it was before',
        cause: error,
      },
    );
  } finally {
    stdin.destroy();
  }
}
