// Restore against hostile backups and interruptions, on real rootless podman and PostgreSQL: a crafted
// manifest cannot choose where pg_restore connects, a failing pg_restore is reported and everything is
// put back, another project's or an oversized backup is refused, and kill -9 at a random point of a
// restore or a `backup create --stop` is repaired by the next command.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath, cliEnv, isolatedProjectDir } from '@phoenix-hydra/e2e/cli-harness';
import { stackTools } from '@phoenix-hydra/e2e/stack-tools';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const project = 'phx-restore';
const base = join(homedir(), '.local/share', project);
const nginx = `${project}_nginx_1`;
let cwd = '';
let env: Record<string, string> = {};
let state = '';
let backupDir = '';

const { run, podman, psql, freshStack, removeStack } = stackTools(
  project,
  () => cwd,
  () => env,
);
const running = async (container: string) =>
  (await podman('inspect', '--format', '{{.State.Running}}', container)).stdout.trim() === 'true';
const lockDir = () => join(state, 'phoenix-hydra/locks', project);

async function backup(args: string[]): Promise<string> {
  const created = await run(['backup', 'create', '--json', ...args]);
  expect(created.exitCode, created.stderr).toBe(0);
  return JSON.parse(created.stdout).id;
}

type ManifestJson = {
  project: string;
  volumes: {
    name: string;
    artifact: string;
    bytes: number;
    artifactBytes: number;
    sha256: string;
    postgres: { database: string; user: string } | null;
  }[];
};

/** Edits a backup's manifest as an attacker would (the manifest is not signed). */
async function craft(id: string, edit: (m: ManifestJson) => void): Promise<void> {
  const path = join(backupDir, id, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as ManifestJson;
  edit(manifest);
  await writeFile(path, JSON.stringify(manifest));
}

/** Makes an artifact's manifest entry match its (changed) bytes, so verification passes. */
async function resign(id: string, volume: string): Promise<void> {
  const manifest = JSON.parse(await readFile(join(backupDir, id, 'manifest.json'), 'utf8')) as ManifestJson;
  const entry = manifest.volumes.find((v) => v.name === volume);
  const file = join(backupDir, id, entry?.artifact ?? '');
  const bytes = await readFile(file);
  await craft(id, (m) => {
    const v = m.volumes.find((x) => x.name === volume);
    if (!v) return;
    v.sha256 = createHash('sha256').update(bytes).digest('hex');
    v.artifactBytes = bytes.length;
    v.bytes = bytes.length;
  });
}

async function events(): Promise<{ type: string; error?: { message: string } }[]> {
  const text = await readFile(join(state, 'phoenix-hydra/events.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

beforeAll(async () => {
  cwd = await isolatedProjectDir(project, 18083);
  state = await mkdtemp(join(tmpdir(), 'phx-state-'));
  env = { XDG_STATE_HOME: state };
  backupDir = join(state, 'phoenix-hydra/backups');
  await freshStack();
  await psql('create table rows(id int primary key, note text)');
  await psql("insert into rows select g, 'row ' || g from generate_series(1, 1000) g");
}, 240_000);

afterAll(async () => {
  await removeStack();
  await execa('podman', ['unshare', 'rm', '-rf', state], { reject: false });
}, 120_000);

describe('a crafted manifest does not choose where pg_restore connects', () => {
  it('refuses a dump "of" a conninfo or of another database; --pg-database names the target explicitly', async () => {
    const id = await backup(['--volume', 'db_data']);
    // libpq would read this as a connection string and restore into the database `postgres`.
    await craft(id, (m) => {
      (m.volumes[0] as ManifestJson['volumes'][number]).postgres = {
        database: 'dbname=postgres',
        user: 'phoenix',
      };
    });
    await psql('delete from rows where id > 10');
    const refused = await run(['restore', id, '--yes']);
    expect(refused.exitCode, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: backup volume db_data is a dump of database "dbname=postgres", not of phoenix_hydra; nothing was changed$/m,
    );
    expect(refused.stderr).toMatch(/^hint: .*--pg-database phoenix_hydra$/m);
    expect(await psql("select count(*) from pg_tables where tablename = 'rows'", 'postgres')).toBe('0');
    expect(await psql('select count(*) from rows')).toBe('10');

    const named = await run(['restore', id, '--yes', '--pg-database', 'phoenix_hydra']);
    expect(named.exitCode, named.stderr).toBe(0);
    expect(await psql('select count(*) from rows')).toBe('1000');

    const hostile = await run(['restore', id, '--yes', '--pg-database', 'host=evil.example dbname=x']);
    expect(hostile.exitCode).toBe(2);
    expect(hostile.stderr).toMatch(/^error: "host=evil.example dbname=x" is not a PostgreSQL database name/m);
  }, 120_000);
});

describe('a failing pg_restore', () => {
  it('is reported with its own message; nginx is started again and runs, restore.failed is raised, the lock released', async () => {
    const id = await backup(['--volume', 'db_data', '--volume', 'nginx_config']);
    const dump = join(backupDir, id, 'db_data.pgdump');
    await truncate(dump, Math.floor((await stat(dump)).size / 2));
    await resign(id, 'db_data');
    const verified = await run(['backup', 'verify', id]);
    expect(verified.exitCode, verified.stdout).toBe(0); // a crafted, "valid" backup

    const result = await run(['restore', id, '--stop', '--yes']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^stopping phx-restore_nginx_1$/m);
    expect(result.stderr).toMatch(
      /^error: pg_restore into database phoenix_hydra failed: pg_restore: error: .+/m,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(await running(nginx)).toBe(true);
    expect(await psql('select count(*) from rows')).toBe('1000'); // one transaction
    const last = (await events()).at(-1);
    expect(last).toMatchObject({
      type: 'restore.failed',
      error: { message: expect.stringContaining('pg_restore') },
    });
    expect(await readdir(lockDir())).toEqual([]);
  }, 120_000);
});

describe('a backup that does not belong here', () => {
  it('refuses another project’s backup unless --from-project names it', async () => {
    const id = await backup(['--volume', 'nginx_config']);
    await craft(id, (m) => {
      m.project = 'someone-else';
    });
    const refused = await run(['restore', id, '--yes', '--stop']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/^error: backup .* is of project someone-else, not of phx-restore/m);
    expect(refused.stderr).toMatch(/^hint: .*--from-project someone-else$/m);
    const accepted = await run(['restore', id, '--yes', '--stop', '--from-project', 'someone-else']);
    expect(accepted.exitCode, accepted.stderr).toBe(0);
    await execa('podman', ['unshare', 'sh', '-c', `rm -rf ${base}/nginx_config.pre-restore-*`]);
  }, 120_000);

  it('refuses a backup that expands beyond the free space before stopping or writing anything', async () => {
    const id = await backup(['--volume', 'logs']);
    await craft(id, (m) => {
      (m.volumes[0] as ManifestJson['volumes'][number]).bytes = 50 * 1024 ** 4;
    });
    const before = (await readdir(base)).sort();
    const refused = await run(['restore', id, '--yes', '--stop']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: not enough room to restore logs: it expands to 52428800\.0 MiB .* MiB free/m,
    );
    expect(refused.stderr).toMatch(/^hint: free /m);
    expect(refused.stderr).not.toMatch(/stopping/);
    expect((await readdir(base)).sort()).toEqual(before);
  }, 120_000);
});

/** A small seeded generator (mulberry32): the kill points of a run can be replayed with PHOENIX_KILL_SEED. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The sha256 of the files the test wrote into a logs volume (nginx adds to its own logs meanwhile). */
async function contents(dir: string): Promise<string> {
  const r = await execa('podman', ['unshare', 'sh', '-c', 'cd "$1" && sha256sum big.bin marker', 'sh', dir], {
    reject: false,
  });
  return r.stdout;
}

/** The Node processes running this CLI command inside the user namespace (not the outer one, not podman). */
async function innerPids(outer: number, args: string[]): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === outer) continue;
    const argv = await readFile(`/proc/${name}/cmdline`, 'utf8').then(
      (t) => t.split('\0'),
      () => [],
    );
    if (
      argv[0] === process.execPath &&
      argv[1] === binPath &&
      argv.slice(2, 2 + args.length).join(' ') === args.join(' ')
    )
      pids.push(Number(name));
  }
  return pids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Runs the command and, once it has started its work (its first "stopping <container>" line), waits
 * `delayMs` and SIGKILLs the inner Node (the one doing the work) or the outer one; `which` null kills
 * nothing. Returns once no process of it is left: whether the kill landed before it ended, and how
 * long the work ran from that first line to the exit.
 */
async function killDuringWork(args: string[], which: 'inner' | 'outer' | null, delayMs = 0) {
  const child: ChildProcess = spawn(process.execPath, [binPath, ...args], {
    cwd,
    env: { ...process.env, ...cliEnv, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let workStarted = 0;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
    if (workStarted === 0 && /^stopping /m.test(stderr)) workStarted = Date.now();
  });
  let exitedAt = 0;
  const exited = new Promise<void>((r) =>
    child.on('exit', () => {
      exitedAt = Date.now();
      r();
    }),
  );
  let inner: number[] = [];
  const find = async () => {
    if (inner.length === 0) inner = await innerPids(child.pid as number, args);
  };
  const due = () => workStarted > 0 && Date.now() - workStarted >= delayMs;
  while (
    which !== null &&
    child.exitCode === null &&
    child.signalCode === null &&
    !(due() && inner.length > 0)
  ) {
    await find();
    await sleep(5);
  }
  const landed = which !== null && child.exitCode === null && child.signalCode === null;
  // A process found a moment ago may have finished since (short-lived helpers through a remote podman).
  if (landed && which === 'inner') for (const pid of inner) killIfAlive(pid);
  if (landed) child.kill('SIGKILL');
  await exited;
  // Killing the outer process leaves podman unshare and the inner Node to finish (or stop) on their
  // own: wait until none is left.
  await find();
  for (let i = 0; i < 1200 && inner.some(alive); i++) await sleep(50);
  expect(inner.filter(alive)).toEqual([]);
  return { landed, stderr, exitCode: child.exitCode, workMs: workStarted > 0 ? exitedAt - workStarted : 0 };
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** After an interrupted command: the next one repairs (and says so), nginx runs, nothing is left over. */
async function expectRepairedByNextCommand(expected: string[], what: string) {
  const journal = join(lockDir(), 'interrupted-operation.json');
  const pending = await stat(journal).then(
    () => true,
    () => false,
  );
  const next = await run(['backup', 'create', '--volume', 'nginx_config']);
  expect(next.exitCode, next.stderr).toBe(0);
  if (pending) {
    expect(next.stderr).toMatch(
      new RegExp(
        `^warning: an interrupted ${what} \\(pid \\d+, .*\\) left .* unfinished; repairing it now:$`,
        'm',
      ),
    );
    expect(next.stderr).toMatch(/^ {2}repaired; continuing$/m);
  }
  expect(
    await stat(journal).then(
      () => true,
      () => false,
    ),
  ).toBe(false);
  expect(await running(nginx)).toBe(true);
  expect(expected).toContain(await contents(join(base, 'logs')));
  const names = await readdir(base);
  expect(names.filter((n) => n.includes('.restore-staging-'))).toEqual([]);
  await execa('podman', ['unshare', 'sh', '-c', `rm -rf "${base}"/logs.pre-restore-*`]);
  return { pending, stderr: next.stderr };
}

describe('kill -9 at a random point, then the next command', () => {
  const seed = Number(process.env.PHOENIX_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = seeded(seed);
  const ids: Record<'a' | 'b', string> = { a: '', b: '' };
  const snapshots: Record<'a' | 'b', string> = { a: '', b: '' };
  let restoreMs = 0;

  beforeAll(async () => {
    console.log(`kill points: PHOENIX_KILL_SEED=${seed}`);
    const logs = join(base, 'logs');
    await execa('podman', ['unshare', 'sh', '-c', `echo a > "${logs}/marker"`]);
    await execa('podman', ['unshare', 'dd', 'if=/dev/urandom', `of=${logs}/big.bin`, 'bs=1M', 'count=96']);
    ids.a = await backup(['--volume', 'logs']);
    snapshots.a = await contents(logs);
    await execa('podman', ['unshare', 'dd', 'if=/dev/urandom', `of=${logs}/big.bin`, 'bs=1M', 'count=64']);
    await execa('podman', ['unshare', 'sh', '-c', `echo b > "${logs}/marker"`]);
    ids.b = await backup(['--volume', 'logs']);
    snapshots.b = await contents(logs);
    const restored = await killDuringWork(['restore', ids.a, '--volume', 'logs', '--stop', '--yes'], null);
    expect(restored.exitCode, restored.stderr).toBe(0);
    restoreMs = restored.workMs;
    console.log(`an uninterrupted restore of logs worked ${restoreMs} ms from stopping nginx to its exit`);
    expect(await contents(logs)).toBe(snapshots.a);
    await execa('podman', ['unshare', 'sh', '-c', `rm -rf "${base}"/logs.pre-restore-*`]);
  }, 180_000);

  it.each([
    { which: 'inner', run: 1 },
    { which: 'inner', run: 2 },
    { which: 'inner', run: 3 },
    { which: 'outer', run: 4 },
  ] as const)(
    'a restore (killing the $which process, run $run) leaves the old or the new data, repaired',
    async ({ which }) => {
      const current = await contents(join(base, 'logs'));
      const id = current === snapshots.a ? ids.b : ids.a;
      const delay = Math.floor(random() * restoreMs);
      const args = ['restore', id, '--volume', 'logs', '--stop', '--yes'];
      const { landed } = await killDuringWork(args, which, delay);
      const { pending } = await expectRepairedByNextCommand([snapshots.a, snapshots.b], 'restore');
      console.log(
        `kill -9 ${which} at ${delay} ms: ${landed ? 'landed' : 'too late'}, journal ${pending ? 'repaired' : 'empty'}`,
      );
    },
    120_000,
  );

  it.each([1, 2])(
    'a backup create --stop (run %i) leaves no container stopped',
    async () => {
      const delay = Math.floor(random() * restoreMs);
      const { landed } = await killDuringWork(
        ['backup', 'create', '--stop', '--volume', 'logs'],
        'inner',
        delay,
      );
      const { pending, stderr } = await expectRepairedByNextCommand([snapshots.a, snapshots.b], 'backup');
      if (pending)
        expect(stderr).toMatch(/^ {2}started phx-restore_nginx_1 again \(the backup had stopped it\)$/m);
      console.log(
        `kill -9 backup --stop at ${delay} ms: ${landed ? 'landed' : 'too late'}, journal ${pending ? 'repaired' : 'empty'}`,
      );
    },
    120_000,
  );
});
