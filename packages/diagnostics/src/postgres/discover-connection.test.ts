import { describe, expect, it } from 'vitest';
import {
  discoverPostgres,
  parsePostmasterPid,
  parseServerCommandLine,
  type RunInContainer,
} from './discover-connection.ts';

// postmaster.pid of postgres 15 started with `-k /tmp` (and of the official image's defaults).
const PID_TMP = '1\n/var/lib/postgresql/data\n1764312000\n5432\n/tmp\n*\n  5432001         0\nready   \n';
const PID_OFFICIAL = '1\n/var/lib/postgresql/data\n1764312000\n5433\n/var/run/postgresql\n*\n0 0\nready\n';

interface FakeServer {
  files?: Record<string, string>;
  env?: Record<string, string>;
  cmdline?: string[];
  /** Role/database pairs psql can connect as. */
  accepts?: string[];
}

function container(server: FakeServer, calls: string[][] = []): RunInContainer {
  return async (argv) => {
    calls.push([...argv]);
    const ok = (stdout: string) => ({ exitCode: 0, stdout, stderr: '' });
    const fail = (stderr: string) => ({ exitCode: 1, stdout: '', stderr });
    if (argv[0] === 'printenv') {
      const value = server.env?.[argv[1] ?? ''];
      return value === undefined ? fail('') : ok(`${value}\n`);
    }
    if (argv[0] === 'cat') {
      const path = argv.at(-1) ?? '';
      if (path === '/proc/1/cmdline' && server.cmdline) return ok(`${server.cmdline.join('\0')}\0`);
      const file = server.files?.[path];
      return file === undefined ? fail(`cat: ${path}: No such file or directory`) : ok(file);
    }
    if (argv[0] === 'psql') {
      const user = argv.find((a) => a.startsWith('--username='))?.slice(11);
      const db = /dbname='([^']*)'/.exec(argv.find((a) => a.startsWith('--dbname=')) ?? '')?.[1];
      return server.accepts?.includes(`${user}/${db}`)
        ? ok('1\n')
        : fail(`psql: error: connection to server failed: FATAL:  role "${user}" does not exist\n`);
    }
    return fail(`unexpected ${argv.join(' ')}`);
  };
}

const compose = { composeFile: '/home/ana/phoenix-hydra/podman-compose.yaml' };
const builtIn = { composeFile: null };
const DATA = '/var/lib/postgresql/data';

describe('parsing where the server listens', () => {
  it('reads port and socket directory from lines 4 and 5 of postmaster.pid', () => {
    expect(parsePostmasterPid(PID_TMP)).toEqual({ port: 5432, socketDir: '/tmp', listen: 'localhost' });
    expect(parsePostmasterPid(PID_OFFICIAL)).toMatchObject({ port: 5433, socketDir: '/var/run/postgresql' });
    expect(parsePostmasterPid('1\n/d\n1\n5432\n\n10.0.0.5\n')).toEqual({ port: 5432, listen: '10.0.0.5' });
  });

  it('reads -k, -p and -c settings from the command line', () => {
    expect(parseServerCommandLine(['-k', '/tmp', '-p', '5433'])).toEqual({ port: 5433, socketDir: '/tmp' });
    expect(parseServerCommandLine(['-k/run/pg', '-c', 'port=6000'])).toEqual({
      port: 6000,
      socketDir: '/run/pg',
    });
    expect(parseServerCommandLine(['--unix_socket_directories=/a,/b', '-cport=7'])).toEqual({
      port: 7,
      socketDir: '/a',
    });
    expect(parseServerCommandLine(['-c', 'shared_buffers=1GB'])).toEqual({});
  });
});

describe('discoverPostgres', () => {
  it("finds the design's stack: socket /tmp from postmaster.pid, windmill_user/windmill with no POSTGRES_* set", async () => {
    const run = container({
      files: { [`${DATA}/postmaster.pid`]: PID_TMP },
      accepts: ['windmill_user/windmill'],
    });
    for (const stack of [compose, builtIn]) {
      expect(await discoverPostgres(run, { stack, dataDir: DATA, env: {} })).toEqual({
        user: 'windmill_user',
        database: 'windmill',
        host: '/tmp',
        port: 5432,
        sources: { user: 'design default', database: 'design default', host: 'postmaster.pid' },
      });
    }
  });

  it("prefers the container's POSTGRES_USER/POSTGRES_DB to any default", async () => {
    const run = container({
      files: { [`${DATA}/postmaster.pid`]: PID_OFFICIAL },
      env: { POSTGRES_USER: 'phoenix', POSTGRES_DB: 'phoenix_hydra' },
    });
    expect(await discoverPostgres(run, { stack: compose, dataDir: DATA, env: {} })).toMatchObject({
      user: 'phoenix',
      database: 'phoenix_hydra',
      host: '/var/run/postgresql',
      port: 5433,
      sources: { user: 'container environment', database: 'container environment' },
    });
  });

  it('x-phoenix.postgres beats the container, PGUSER beats x-phoenix, a flag beats everything', async () => {
    const calls: string[][] = [];
    const run = container(
      { files: { [`${DATA}/postmaster.pid`]: PID_TMP }, env: { POSTGRES_USER: 'phoenix', POSTGRES_DB: 'p' } },
      calls,
    );
    const stack = { ...compose, postgres: { user: 'windmill_user', database: 'windmill' } };
    expect(await discoverPostgres(run, { stack, dataDir: DATA, env: {} })).toMatchObject({
      user: 'windmill_user',
      database: 'windmill',
      sources: { user: 'x-phoenix', database: 'x-phoenix' },
    });
    expect(
      await discoverPostgres(run, { stack, dataDir: DATA, env: { PGUSER: 'ops', PGDATABASE: 'opsdb' } }),
    ).toMatchObject({ user: 'ops', database: 'opsdb', sources: { user: 'environment' } });
    const flagged = await discoverPostgres(run, {
      stack,
      dataDir: DATA,
      env: { PGUSER: 'ops', PGHOST: '/elsewhere' },
      overrides: { user: 'admin', database: 'admin_db', host: '/run/pg', port: 6000 },
    });
    expect(flagged).toMatchObject({ user: 'admin', database: 'admin_db', host: '/run/pg', port: 6000 });
    expect(flagged.sources).toEqual({ user: 'flag', database: 'flag', host: 'flag' });
    // Everything named: nothing was read in the container for that call.
    expect(calls.filter((c) => c[0] === 'psql')).toEqual([]);
  });

  it("falls back to the server's command line when postmaster.pid cannot be read, and to $PGDATA", async () => {
    const byCmdline = container({
      cmdline: ['postgres', '-k', '/tmp', '-p', '5433'],
      env: { POSTGRES_USER: 'u' },
    });
    expect(await discoverPostgres(byCmdline, { stack: compose, dataDir: DATA, env: {} })).toMatchObject({
      host: '/tmp',
      port: 5433,
      sources: { host: 'server command line' },
    });
    const nested = container({
      env: { PGDATA: `${DATA}/pgdata`, POSTGRES_USER: 'u' },
      files: { [`${DATA}/pgdata/postmaster.pid`]: PID_TMP },
    });
    expect(await discoverPostgres(nested, { stack: compose, dataDir: DATA, env: {} })).toMatchObject({
      host: '/tmp',
    });
  });

  it("without any name, tries the image's postgres first for a compose file and leaves host to libpq when nothing says", async () => {
    const run = container({ accepts: ['postgres/postgres', 'windmill_user/windmill'] });
    expect(await discoverPostgres(run, { stack: compose, dataDir: DATA, env: {} })).toEqual({
      user: 'postgres',
      database: 'postgres',
      sources: { user: 'image default', database: 'image default', host: 'libpq default' },
    });
    expect(await discoverPostgres(run, { stack: builtIn, dataDir: DATA, env: {} })).toMatchObject({
      user: 'windmill_user',
    });
    // Nothing connects: the first candidate is returned, for the dump (or doctor) to report.
    const none = container({});
    expect(await discoverPostgres(none, { stack: compose, dataDir: DATA, env: {} })).toMatchObject({
      user: 'postgres',
    });
  });
});
