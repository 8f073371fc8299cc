import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * Appends log lines worth `share` of the tree's bytes to the newest directory's files (the ones an
 * application is still writing), as a day of logging does. Returns the bytes appended.
 */
export function appendLogLines(root: string, totalBytes: number, share: number): number {
  const dirs: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    if (entries.some((e) => e.isFile() && e.name.endsWith('.log') && !e.name.startsWith('first')))
      dirs.push(dir);
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
  };
  walk(root);
  const newest = dirs.at(-1);
  if (newest === undefined) throw new Error(`no log files under ${root}`);
  const files = readdirSync(newest).filter((n) => n.endsWith('.log'));
  const target = Math.ceil(totalBytes * share);
  let written = 0;
  let n = 0;
  while (written < target) {
    const file = join(newest, files[n % files.length] as string);
    const line = `2026-11-28T08:${String(n % 60).padStart(2, '0')}:00.000Z INFO [worker-${n % 16}] GET /api/v1/items/${(n * 7919) % 100000} 200 ${n % 2000}ms user=u${n % 5000} trace=${(n * 2654435761).toString(16).slice(-8)}\n`;
    appendFileSync(file, line);
    written += line.length;
    n += 1;
  }
  return written;
}

/**
 * Updates `rows` pgbench_accounts rows spread over the table (a throwaway server on a private socket,
 * stopped cleanly after, as the PostgreSQL dataset was built); as root through the data's owner.
 */
export function updateRows(dataDir: string, rows: number): void {
  const owner = statSync(dataDir);
  const asRoot = process.getuid?.() === 0;
  const socket = mkdtempSync(join(tmpdir(), 'phx-bench-pgsock-'));
  if (asRoot) chownSync(socket, owner.uid, owner.gid);
  const run = (command: string, args: string[]) =>
    execFileSync(
      asRoot ? 'setpriv' : command,
      asRoot ? [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', command, ...args] : args,
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
    );
  const options = `-k ${socket} -c listen_addresses= -p 54330 -c fsync=off`;
  run(join(PG_BIN, 'pg_ctl'), ['-D', dataDir, '-o', options, '-l', join(socket, 'log'), '-w', 'start']);
  try {
    run(join(PG_BIN, 'psql'), [
      '-h',
      socket,
      '-p',
      '54330',
      '-U',
      'postgres',
      '-qc',
      `with n as (select greatest(count(*) / ${rows}, 1) as step from pgbench_accounts) ` +
        `update pgbench_accounts set abalance = abalance + 1 from n where aid % n.step = 0 and aid <= n.step * ${rows}`,
      'postgres',
    ]);
  } finally {
    run(join(PG_BIN, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    rmSync(socket, { recursive: true, force: true });
  }
}
