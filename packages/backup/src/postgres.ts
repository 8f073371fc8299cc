import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { PhoenixError } from '@phoenix-hydra/core';
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
  /** Name of an environment variable of this process holding the password; sent as PGPASSWORD in exec's env. */
  passwordEnv?: string | undefined;
  signal?: AbortSignal | undefined;
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
 * exec's environment, never in argv. Returns the dump's size and sha256.
 */
export async function dumpPostgres(
  target: PostgresTarget & { out: string },
): Promise<{ bytes: number; sha256: string }> {
  const argv = ['pg_dump', '--format=custom', '--username', target.user, '--dbname', target.database];
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
        hint: 'check that the database container runs and the user and password are right',
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
  const custom = (await readHead(target.input, PGDUMP_MAGIC.length)).equals(PGDUMP_MAGIC);
  const argv = custom
    ? [
        'pg_restore',
        '--clean',
        '--if-exists',
        '--single-transaction',
        '--username',
        target.user,
        '--dbname',
        target.database,
      ]
    : [
        'psql',
        '--no-psqlrc',
        '--quiet',
        '--set=ON_ERROR_STOP=1',
        '--single-transaction',
        '--username',
        target.user,
        '--dbname',
        target.database,
      ];
  const stdin = createReadStream(target.input);
  const { stdout, done } = target.exec(argv, { ...execOptions(target), stdin });
  stdout.resume();
  try {
    await done;
  } catch (error) {
    throw new PhoenixError(
      'RESTORE_FAILED',
      `${argv[0]} into database ${target.database} failed: ${(error as Error).message}`,
      {
        hint: 'the restore ran in one transaction, so the database is as it was before',
        cause: error,
      },
    );
  } finally {
    stdin.destroy();
  }
}
