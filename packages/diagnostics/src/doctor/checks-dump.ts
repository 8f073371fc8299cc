import { isPhoenixError } from '@phoenix-hydra/core';
import {
  discoverPostgres,
  type PostgresConnection,
  probeConnection,
} from '../postgres/discover-connection.ts';
import type { DoctorContext } from './context.ts';
import { type Finding, finding } from './finding.ts';
import type { DoctorCheck } from './run-doctor.ts';

/** The part of a connection that is wrong, and how the user names the right one. */
interface Missing {
  piece: 'server' | 'user' | 'database' | 'password' | 'connection';
  message: string;
  hint: string;
}

const describe = (c: Pick<PostgresConnection, 'host' | 'port'>) =>
  `${c.host ?? 'the default socket /var/run/postgresql'}${c.port === undefined ? '' : ` port ${c.port}`}`;

/** Reads psql's error and names the missing piece with the flag or compose key that supplies it. */
function missingPiece(c: PostgresConnection, error: string, composeFile: string | null): Missing {
  const where = composeFile === null ? 'the compose file' : composeFile;
  const fromCompose = `x-phoenix: { postgres: { user: ..., database: ... } } at the top of ${where}`;
  if (/role "[^"]*" does not exist/.test(error)) {
    return {
      piece: 'user',
      message: `role ${c.user} (${c.sources.user}) does not exist in the database`,
      hint: `name the superuser: ${fromCompose}, or --pg-user NAME on backup create and restore`,
    };
  }
  if (/database "[^"]*" does not exist/.test(error)) {
    return {
      piece: 'database',
      message: `database ${c.database} (${c.sources.database}) does not exist`,
      hint: `name the database: ${fromCompose}, or --pg-database NAME on backup create and restore`,
    };
  }
  if (/password|authentication failed/i.test(error)) {
    return {
      piece: 'password',
      message: `the server wants a password for ${c.user}: ${error}`,
      hint: 'export PGPASSWORD_DB=... and pass --pg-password-env PGPASSWORD_DB to backup create and restore',
    };
  }
  if (/No such file or directory|Connection refused|could not connect|could not translate/i.test(error)) {
    return {
      piece: 'server',
      message: `no server answers on ${describe(c)} (${c.sources.host}): ${error}`,
      hint: "name the server's socket directory and port: --pg-host DIR --pg-port N on backup create and restore",
    };
  }
  return {
    piece: 'connection',
    message: `psql as ${c.user} to ${c.database} on ${describe(c)} failed: ${error}`,
    hint: 'pass --pg-host, --pg-port, --pg-user or --pg-database to backup create and restore',
  };
}

const dumpConnects: DoctorCheck = {
  id: 'PHX-PG-003',
  title: 'a logical dump cannot connect to the running database',
  severity: 'error',
  why: 'backup create and the agent dump a running database with pg_dump through podman exec; when it cannot connect, every live backup fails',
  async run(ctx: DoctorContext) {
    const dbs = ctx.stack.volumes.filter((v) => v.kind === 'database' && v.backup === 'postgres-logical');
    if (dbs.length === 0) return [];
    const users = await ctx.volumeUsers();
    const found: Finding[] = [];
    for (const volume of dbs) {
      const live = users.find((u) => u.running && u.volumes.includes(volume.name));
      // A stopped database is the service checks' finding; a dump needs it running in any case.
      if (!live) continue;
      const run = (argv: readonly string[]) => ctx.exec(live.container, argv);
      let connection: PostgresConnection;
      let result: { ok: boolean; error: string };
      try {
        connection = await discoverPostgres(run, { stack: ctx.stack, dataDir: volume.containerPath });
        result = await probeConnection(run, connection);
      } catch (error) {
        if (!isPhoenixError(error)) throw error;
        found.push(
          finding(this, {
            volume: volume.name,
            message: error.message,
            evidence: { container: live.container, missing: 'connection' },
            ...(error.hint ? { hint: error.hint } : {}),
          }),
        );
        continue;
      }
      if (result.ok) continue;
      const missing = missingPiece(connection, result.error, ctx.stack.composeFile);
      found.push(
        finding(this, {
          volume: volume.name,
          message: `pg_dump in ${live.container} cannot connect: ${missing.message}`,
          evidence: {
            container: live.container,
            missing: missing.piece,
            user: connection.user,
            database: connection.database,
            host: connection.host ?? null,
            port: connection.port ?? null,
            sources: connection.sources,
            error: result.error,
          },
          hint: missing.hint,
        }),
      );
    }
    return found;
  },
};

/** A live backup's pg_dump can reach the database as discovered (socket, port, user, database). */
export const dumpChecks: readonly DoctorCheck[] = [dumpConnects];
