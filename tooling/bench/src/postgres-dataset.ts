import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const PORT = 54329;

interface Account {
  uid: number;
  gid: number;
}

function lookupAccount(name: string): Account | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined)
      return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/**
 * Builds a real PostgreSQL 15 data directory at `dest`: initdb, `pgbench -i -s SCALE` against a
 * throwaway cluster on a private socket (no TCP), then a clean shutdown. As root the cluster runs as
 * the `postgres` system user (initdb refuses root), so the files are owned by it, as on a server.
 */
export function makePostgresDataset(dest: string, scale: number, log: (line: string) => void): void {
  const initdb = join(PG_BIN, 'initdb');
  if (!existsSync(initdb)) {
    throw new Error(`${initdb} is missing: install postgresql-15 (bash tooling/e2e/prepare-host.sh does)`);
  }
  const asRoot = process.getuid?.() === 0;
  const account = asRoot ? lookupAccount('postgres') : undefined;
  if (asRoot && account === undefined) throw new Error('running as root needs the postgres system user');
  const work = mkdtempSync(join(tmpdir(), 'phx-bench-pg-'));
  if (account) chownSync(work, account.uid, account.gid);
  const data = join(work, 'data');
  const run = (command: string, args: string[]) => {
    const argv = asRoot ? ['runuser', '-u', 'postgres', '--', command, ...args] : [command, ...args];
    execFileSync(argv[0] as string, argv.slice(1), {
      cwd: work,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
  };
  let started = false;
  try {
    log(`initdb in ${data}`);
    run(initdb, ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const options = `-k ${work} -c listen_addresses= -p ${PORT} -c fsync=off -c max_wal_size=1GB`;
    run(join(PG_BIN, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(work, 'server.log'), '-w', 'start']);
    started = true;
    log(`pgbench -i -s ${scale}`);
    run(join(PG_BIN, 'pgbench'), [
      '-i',
      '-q',
      '-s',
      String(scale),
      '-h',
      work,
      '-p',
      String(PORT),
      'postgres',
    ]);
    run(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
    started = false;
    try {
      renameSync(data, dest);
    } catch {
      execFileSync('cp', ['-a', data, dest]); // another file system: keep owners, modes and times
    }
  } finally {
    if (started) {
      try {
        run(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already gone
      }
    }
    rmSync(work, { recursive: true, force: true });
  }
}
