import { describe, expect, it } from 'vitest';
import { fakeContext, PROJECT } from '../../test/doctor-fakes.ts';
import { dumpChecks } from './checks-dump.ts';
import { runDoctor } from './run-doctor.ts';

const DB = `${PROJECT}_db_1`;
const PID_TMP = '1\n/var/lib/postgresql/data\n1764312000\n5432\n/tmp\n*\n0 0\nready\n';

/** The db container as `podman exec` answers it: argv is [container, ...command]. */
function db(psqlStderr: string | null, env: Record<string, string> = {}) {
  return (argv: readonly string[]) => {
    const [, command, ...rest] = argv;
    if (command === 'printenv') {
      const value = env[rest[0] ?? ''];
      return { exitCode: value === undefined ? 1 : 0, stdout: value ?? '', stderr: '' };
    }
    if (command === 'cat') {
      const pid = rest.at(-1) === '/var/lib/postgresql/data/postmaster.pid';
      return { exitCode: pid ? 0 : 1, stdout: pid ? PID_TMP : '', stderr: '' };
    }
    if (command === 'psql') {
      return psqlStderr === null
        ? { exitCode: 0, stdout: '1\n', stderr: '' }
        : { exitCode: 2, stdout: '', stderr: psqlStderr };
    }
    throw new Error(`unexpected exec ${argv.join(' ')}`);
  };
}

async function findings(exec: ReturnType<typeof db>, running = true) {
  const ctx = fakeContext({
    volumeUsers: [{ container: DB, running, volumes: ['db_data'], helper: false }],
    exec,
  });
  return { ...(await runDoctor(ctx, dumpChecks)), calls: ctx.calls };
}

describe('PHX-PG-003: a logical dump can connect', () => {
  it('passes when psql connects over the socket postmaster.pid names', async () => {
    const { findings: found, calls } = await findings(db(null));
    expect(found).toEqual([]);
    const psql = calls.find((c) => c[2] === 'psql');
    expect(psql).toContain("--dbname=dbname='windmill' host='/tmp' port=5432");
  });

  it('names the user as the missing piece, and where to name the right one', async () => {
    const { findings: found } = await findings(
      db(
        'psql: error: connection to server on socket "/tmp/.s.PGSQL.5432" failed: FATAL:  role "ghost" does not exist\n',
        {
          POSTGRES_USER: 'ghost',
        },
      ),
    );
    expect(found).toMatchObject([
      {
        check: 'PHX-PG-003',
        severity: 'error',
        volume: 'db_data',
        message: `pg_dump in ${DB} cannot connect: role ghost (container environment) does not exist in the database`,
        evidence: { missing: 'user', user: 'ghost', host: '/tmp', port: 5432 },
        hint: expect.stringContaining('--pg-user NAME'),
      },
    ]);
  });

  it('names the server when nothing answers on the socket', async () => {
    const { findings: found } = await findings(
      db(
        'psql: error: connection to server on socket "/tmp/.s.PGSQL.5432" failed: No such file or directory\n',
        { POSTGRES_USER: 'phoenix' },
      ),
    );
    expect(found[0]).toMatchObject({
      evidence: { missing: 'server' },
      hint: expect.stringContaining('--pg-host'),
    });
  });

  it('says nothing about a database that is not running (the service checks do)', async () => {
    expect((await findings(db(null), false)).findings).toEqual([]);
  });
});
