import { postgresConnectionArgs } from '@phoenix-hydra/backup';
import type { Stack } from '@phoenix-hydra/core';

/** A command run in the database container; the exit code is data. */
export type RunInContainer = (
  argv: readonly string[],
) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

/** What the user named (flags, the agent's config); each one wins over everything discovered. */
export interface ConnectionOverrides {
  user?: string | undefined;
  database?: string | undefined;
  /** Socket directory or host name. */
  host?: string | undefined;
  port?: number | undefined;
}

/** Where each part of a connection came from, so doctor and errors can say which part is missing. */
type ConnectionSource =
  | 'flag'
  | 'environment'
  | 'x-phoenix'
  | 'container environment'
  | 'postmaster.pid'
  | 'server command line'
  | 'design default'
  | 'image default'
  | 'libpq default';

/** How pg_dump, pg_restore and psql reach the server, run inside its container. */
export interface PostgresConnection {
  user: string;
  database: string;
  host?: string;
  port?: number;
  sources: { user: ConnectionSource; database: ConnectionSource; host: ConnectionSource };
}

/** The original design's superuser and database (`pg_dump -U windmill_user windmill`). */
const DESIGN_POSTGRES = { user: 'windmill_user', database: 'windmill' } as const;
/** The official postgres image's superuser and database when POSTGRES_USER/POSTGRES_DB are unset. */
const IMAGE_POSTGRES = { user: 'postgres', database: 'postgres' } as const;

/** Where a running server listens. */
interface ServerAddress {
  port?: number;
  /** The first socket directory; undefined when the server opens no Unix socket. */
  socketDir?: string;
  /** The first listen address ('*' and '0.0.0.0' read as localhost). */
  listen?: string;
}

function toPort(text: string | undefined): number | undefined {
  const n = Number(text?.trim());
  return text !== undefined && text.trim() !== '' && Number.isInteger(n) && n > 0 && n < 65536
    ? n
    : undefined;
}

function firstOf(list: string | undefined): string | undefined {
  const first = list
    ?.split(',')[0]
    ?.trim()
    .replace(/^'(.*)'$/, '$1');
  return first === undefined || first === '' ? undefined : first;
}

function localAddress(address: string | undefined): string | undefined {
  return address === '*' || address === '0.0.0.0' || address === '::' ? 'localhost' : address;
}

/**
 * Port and socket directory of a running server from its data directory's `postmaster.pid`: line 4 is
 * the port, line 5 the first socket directory (empty without sockets), line 6 the first listen address.
 */
export function parsePostmasterPid(text: string): ServerAddress {
  const lines = text.split('\n');
  const port = toPort(lines[3]);
  const socketDir = firstOf(lines[4]);
  const listen = localAddress(firstOf(lines[5]));
  return {
    ...(port === undefined ? {} : { port }),
    ...(socketDir === undefined ? {} : { socketDir }),
    ...(listen === undefined ? {} : { listen }),
  };
}

/** Port and socket directory from the server's arguments (`-k DIR`, `-p N`, `-c port=N`, `--unix_socket_directories=`). */
export function parseServerCommandLine(args: readonly string[]): ServerAddress {
  const found: { port?: string; socketDir?: string } = {};
  const setting = (name: string, value: string) => {
    const key = name.replaceAll('-', '_');
    if (key === 'port') found.port = value;
    if (key === 'unix_socket_directories' || key === 'unix_socket_directory') found.socketDir = value;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const next = () => args[++i] ?? '';
    if (arg === '-k') found.socketDir = next();
    else if (arg.startsWith('-k')) found.socketDir = arg.slice(2);
    else if (arg === '-p') found.port = next();
    else if (arg.startsWith('-p')) found.port = arg.slice(2);
    else if (arg === '-c' || arg.startsWith('-c') || arg.startsWith('--')) {
      const pair = arg === '-c' ? next() : arg.slice(2);
      const eq = pair.indexOf('=');
      if (eq > 0) setting(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  const port = toPort(found.port);
  const socketDir = firstOf(found.socketDir);
  return { ...(port === undefined ? {} : { port }), ...(socketDir === undefined ? {} : { socketDir }) };
}

/** Reads the address from postmaster.pid (in `dataDirs`, then $PGDATA), else from PID 1's command line. */
async function serverAddress(
  run: RunInContainer,
  dataDirs: readonly string[],
): Promise<{ address: ServerAddress; source: ConnectionSource } | undefined> {
  const pgdata = await run(['printenv', 'PGDATA']);
  const dirs = [...dataDirs, ...(pgdata.exitCode === 0 ? [pgdata.stdout.trim()] : [])].filter(
    (dir, i, all) => dir !== '' && all.indexOf(dir) === i,
  );
  for (const dir of dirs) {
    const pid = await run(['cat', '--', `${dir}/postmaster.pid`]);
    if (pid.exitCode === 0 && pid.stdout.split('\n').length >= 5) {
      return { address: parsePostmasterPid(pid.stdout), source: 'postmaster.pid' };
    }
  }
  const cmdline = await run(['cat', '/proc/1/cmdline']);
  if (cmdline.exitCode !== 0) return undefined;
  const args = cmdline.stdout.split('\0').filter((a) => a !== '');
  if (!args.some((a) => /(^|\/)postgres$|^postmaster$/.test(a))) return undefined;
  const address = parseServerCommandLine(args.slice(1));
  return Object.keys(address).length > 0 ? { address, source: 'server command line' } : undefined;
}

/** The container's own POSTGRES_USER / POSTGRES_DB (the compose file's environment, env_file and image). */
async function containerEnv(run: RunInContainer, name: string): Promise<string | undefined> {
  const result = await run(['printenv', name]);
  return result.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
}

/** psql's `select 1` over the connection: whether a dump could connect, and psql's own error when not. */
export async function probeConnection(
  run: RunInContainer,
  connection: Pick<PostgresConnection, 'user' | 'database' | 'host' | 'port'>,
): Promise<{ ok: boolean; error: string }> {
  const result = await run([
    'psql',
    '--no-psqlrc',
    '--no-password',
    '--tuples-only',
    '--command=select 1',
    ...postgresConnectionArgs(connection),
  ]);
  const lines = result.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return { ok: result.exitCode === 0, error: lines.find((l) => /FATAL|error/.test(l)) ?? lines.at(-1) ?? '' };
}

/** Inputs of a discovery: the stack (its x-phoenix.postgres), the volume's path in the container, overrides. */
export interface DiscoverOptions {
  stack: Pick<Stack, 'composeFile' | 'postgres'>;
  /** Where the database volume is mounted in the container (its data directory). */
  dataDir: string;
  overrides?: ConnectionOverrides | undefined;
  /** PGUSER, PGDATABASE, PGHOST, PGPORT are read from here (default process.env). */
  env?: NodeJS.ProcessEnv | undefined;
}

/**
 * How a logical dump reaches the database in a running container, each part discovered rather than
 * assumed. Host and port: override > PGHOST/PGPORT > postmaster.pid > the server's command line >
 * libpq's default. User and database: override > PGUSER/PGDATABASE > x-phoenix.postgres > the
 * container's POSTGRES_USER/POSTGRES_DB > whichever of the design's (windmill_user/windmill) and the
 * image's (postgres/postgres) pair psql can connect as (the design's first for the built-in stack).
 */
export async function discoverPostgres(
  run: RunInContainer,
  options: DiscoverOptions,
): Promise<PostgresConnection> {
  const env = options.env ?? process.env;
  const o = options.overrides ?? {};
  const named = <T>(
    pairs: [T | undefined, ConnectionSource][],
  ): { value: T; source: ConnectionSource } | undefined => {
    const hit = pairs.find(([value]) => value !== undefined && value !== '');
    return hit ? { value: hit[0] as T, source: hit[1] } : undefined;
  };
  let host = named<string>([
    [o.host, 'flag'],
    [env.PGHOST, 'environment'],
  ]);
  let port = named<number>([
    [o.port, 'flag'],
    [toPort(env.PGPORT), 'environment'],
  ]);
  if (host === undefined || port === undefined) {
    const server = await serverAddress(run, [options.dataDir]);
    if (server) {
      const where = server.address.socketDir ?? server.address.listen;
      if (host === undefined && where !== undefined) host = { value: where, source: server.source };
      if (port === undefined && server.address.port !== undefined) {
        port = { value: server.address.port, source: server.source };
      }
    }
  }
  const address = {
    ...(host === undefined ? {} : { host: host.value }),
    ...(port === undefined ? {} : { port: port.value }),
  };
  const hostSource: ConnectionSource = host?.source ?? port?.source ?? 'libpq default';
  let user = named<string>([
    [o.user, 'flag'],
    [env.PGUSER, 'environment'],
    [options.stack.postgres?.user, 'x-phoenix'],
  ]);
  let database = named<string>([
    [o.database, 'flag'],
    [env.PGDATABASE, 'environment'],
    [options.stack.postgres?.database, 'x-phoenix'],
  ]);
  user ??= named([[await containerEnv(run, 'POSTGRES_USER'), 'container environment']]);
  database ??= named([[await containerEnv(run, 'POSTGRES_DB'), 'container environment']]);
  if (user === undefined) {
    const design = { ...DESIGN_POSTGRES, source: 'design default' as const };
    const image = { ...IMAGE_POSTGRES, source: 'image default' as const };
    const candidates = options.stack.composeFile === null ? [design, image] : [image, design];
    const pick = async () => {
      for (const c of candidates) {
        const tried = { user: c.user, database: database?.value ?? c.database, ...address };
        if ((await probeConnection(run, tried)).ok) return c;
      }
      return candidates[0] as (typeof candidates)[number];
    };
    const chosen = await pick();
    user = { value: chosen.user, source: chosen.source };
    database ??= { value: chosen.database, source: chosen.source };
  }
  database ??= { value: user.value, source: user.source };
  return {
    user: user.value,
    database: database.value,
    ...address,
    sources: { user: user.source, database: database.source, host: hostSource },
  };
}
