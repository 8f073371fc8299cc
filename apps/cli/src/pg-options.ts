import { type Command, InvalidArgumentError } from 'commander';

function tcpPort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError('expected a port, 1 to 65535');
  return n;
}

/** Where pg_dump/pg_restore reach the database, for the few servers whose postmaster.pid cannot say. */
export interface PgConnectionOptions {
  pgHost?: string;
  pgPort?: number;
}

/** Adds --pg-host and --pg-port (backup create, restore): by default both are read from the server's postmaster.pid. */
export function addPgConnectionOptions(command: Command): Command {
  return command
    .option(
      '--pg-host <dir|host>',
      "database socket directory or host (default: from the server's postmaster.pid, e.g. /tmp for postgres -k /tmp)",
    )
    .option('--pg-port <port>', "database port (default: from the server's postmaster.pid)", tcpPort);
}
