import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { PhoenixError } from '@phoenix-hydra/errors';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/helpers.ts';
import { PGDUMP_MAGIC } from './file-hash.ts';
import { assertPostgresName, dumpPostgres, postgresConnectionArgs, restorePostgres } from './postgres.ts';
import type { Exec } from './types.ts';

/**
 * An exec that fails like the podman adapter's streamed call: `done` rejects with PODMAN_FAILED and
 * stdout is destroyed with the same error (which crashed the CLI when nothing listened for it).
 */
function failingExec(stderr: string, calls: string[][] = []): Exec {
  return (argv, options) => {
    calls.push(argv);
    const stdout = new PassThrough();
    options.stdin?.resume();
    const error = new PhoenixError('PODMAN_FAILED', `podman exec failed: ${stderr.split('\n')[0]}`, {
      details: { exitCode: 1, stderr },
    });
    const done = new Promise<void>((_, reject) => setTimeout(() => reject(error), 5));
    done.catch((e: Error) => stdout.destroy(e));
    return { stdout, done };
  };
}

/** An exec that records argv and succeeds with the given output. */
function recordingExec(calls: string[][], output: Buffer = Buffer.alloc(0)): Exec {
  return (argv, options) => {
    calls.push(argv);
    options.stdin?.resume();
    return { stdout: Readable.from([output]), done: Promise.resolve() };
  };
}

async function dumpFile(): Promise<string> {
  const path = join(await tempDir(), 'db.pgdump');
  await writeFile(path, Buffer.concat([PGDUMP_MAGIC, Buffer.from('rest of a dump')]));
  return path;
}

describe('restorePostgres failures', () => {
  it('turns a failed pg_restore into RESTORE_FAILED with its last own stderr line, without an unhandled stream error', async () => {
    const stderr = [
      'pg_restore: while PROCESSING TOC:',
      'pg_restore: from TOC entry 215; 1259 16385 TABLE rows phoenix',
      'pg_restore: error: could not execute query: ERROR:  syntax error at or near "GARBAGE"',
      'Command was: GARBAGE;',
      'pg_restore: error: unsupported version (1.16) in file header',
      '',
    ].join('\n');
    const error = await restorePostgres({
      exec: failingExec(stderr),
      container: 'db',
      database: 'app',
      user: 'postgres',
      input: await dumpFile(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PhoenixError);
    expect(error).toMatchObject({
      code: 'RESTORE_FAILED',
      message:
        'pg_restore into database app failed: pg_restore: error: unsupported version (1.16) in file header',
    });
    // Give a stray 'error' event the chance to surface as an unhandled error (vitest fails the run on it).
    await new Promise((r) => setTimeout(r, 20));
  });

  it('reports psql by its own last line for a plain SQL dump', async () => {
    const input = join(await tempDir(), 'plain.sql');
    await writeFile(input, 'CREATE TABLE x(); GARBAGE;\n');
    const stderr = 'psql:<stdin>:1: ERROR:  syntax error at or near "GARBAGE"\nLINE 1: GARBAGE;\n        ^\n';
    await expect(
      restorePostgres({ exec: failingExec(stderr), database: 'app', user: 'postgres', input }),
    ).rejects.toMatchObject({
      code: 'RESTORE_FAILED',
      message: 'psql into database app failed: psql:<stdin>:1: ERROR:  syntax error at or near "GARBAGE"',
    });
  });
});

describe('PostgreSQL names are names, never connection strings', () => {
  const hostile = [
    'host=evil.example dbname=x',
    'postgresql://evil.example/app',
    'app password=x',
    'a\nb',
    'a\u0000b',
    '-h',
    '',
    'x'.repeat(64),
    "app'",
  ];

  it.each(hostile)('refuses %j as a database or user before running anything', async (name) => {
    const calls: string[][] = [];
    const input = await dumpFile();
    for (const target of [
      { database: name, user: 'postgres' },
      { database: 'app', user: name },
    ]) {
      await expect(restorePostgres({ exec: recordingExec(calls), ...target, input })).rejects.toMatchObject({
        code: 'POSTGRES_NAME_INVALID',
      });
      await expect(
        dumpPostgres({ exec: recordingExec(calls), ...target, out: join(await tempDir(), 'out') }),
      ).rejects.toMatchObject({ code: 'POSTGRES_NAME_INVALID' });
    }
    expect(calls).toEqual([]);
  });

  it('accepts ordinary names, up to 63 bytes', () => {
    for (const name of ['phoenix_hydra', 'app-2', 'Übung', 'x'.repeat(63), 'user.name', 'a$b']) {
      expect(() => assertPostgresName('database', name)).not.toThrow();
    }
    expect(() => assertPostgresName('database', 'é'.repeat(32))).toThrow(/63 bytes/);
  });

  it('passes the database as a quoted conninfo keyword, so libpq never reads it as a connection string', async () => {
    const calls: string[][] = [];
    await restorePostgres({
      exec: recordingExec(calls),
      database: 'app-2',
      user: 'phoenix',
      input: await dumpFile(),
    });
    const out = join(await tempDir(), 'out');
    await dumpPostgres({
      exec: recordingExec(calls, Buffer.concat([PGDUMP_MAGIC, Buffer.from('x')])),
      database: 'app-2',
      user: 'phoenix',
      out,
    });
    for (const argv of calls) {
      expect(argv).toContain("--dbname=dbname='app-2'");
      expect(argv).toContain('--username=phoenix');
      expect(argv).not.toContain('--dbname');
    }
  });
});

describe('socket directory and port', () => {
  it('adds host and port as conninfo keywords, so a server started with -k /tmp -p 5433 is reached', async () => {
    const calls: string[][] = [];
    await dumpPostgres({
      exec: recordingExec(calls, Buffer.concat([PGDUMP_MAGIC, Buffer.from('x')])),
      database: 'windmill',
      user: 'windmill_user',
      host: '/tmp',
      port: 5433,
      out: join(await tempDir(), 'out'),
    });
    expect(calls[0]).toContain("--dbname=dbname='windmill' host='/tmp' port=5433");
    expect(postgresConnectionArgs({ database: 'app', user: 'u', host: 'db.internal' })).toEqual([
      '--username=u',
      "--dbname=dbname='app' host='db.internal'",
    ]);
  });

  it.each([
    ["/tmp' dbname='other", undefined],
    ['evil host', undefined],
    ['-h', undefined],
    ['/tmp\nx', undefined],
    [undefined, 0],
    [undefined, 70000],
    [undefined, 5432.5],
  ])('refuses host %j port %j before running anything', async (host, port) => {
    const calls: string[][] = [];
    await expect(
      restorePostgres({
        exec: recordingExec(calls),
        database: 'app',
        user: 'postgres',
        ...(host === undefined ? {} : { host }),
        ...(port === undefined ? {} : { port }),
        input: await dumpFile(),
      }),
    ).rejects.toMatchObject({ code: 'POSTGRES_HOST_INVALID' });
    expect(calls).toEqual([]);
  });
});
