import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PhoenixError } from '@phoenix-hydra/errors';
import { z } from 'zod';
import { isDeadHere } from './process-alive.ts';

export const LOCK_FILE = 'phoenix-volumes.lock';
/** A lock file that cannot be parsed this long after it was created was left by a crash mid-write. */
const UNREADABLE_GRACE_MS = 10_000;
/** Taking over a stale lock takes milliseconds; a takeover marker older than this is itself stale. */
const TAKEOVER_GRACE_MS = 30_000;

const holderSchema = z.object({
  pid: z.number().int(),
  host: z.string(),
  operation: z.string(),
  startedAt: z.string(),
});
export type LockHolder = z.infer<typeof holderSchema>;

/** A held lock; `tookOver` describes the dead holder it replaced, so the CLI can say so. */
export interface Lock {
  path: string;
  holder: LockHolder;
  tookOver: LockHolder | null;
  release(): Promise<void>;
}

/**
 * Allows one operation per stack at a time: an O_EXCL lock file naming pid, host, operation and start
 * time. A lock whose holder died on this host is taken over; a live one gives LOCKED naming its holder.
 */
export async function acquireLock(dir: string, options: { operation: string }): Promise<Lock> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, LOCK_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    operation: options.operation,
    startedAt: new Date().toISOString(),
  };
  if (await tryCreate(path, holder)) return held(path, holder, null);
  const current = await readHolder(path);
  if (current === 'gone') return acquireLock(dir, options);
  if (current !== 'unreadable' && !isDeadHere(current)) throw lockedError(path, current);
  if (current === 'unreadable' && !(await olderThan(path, UNREADABLE_GRACE_MS))) {
    throw new PhoenixError('LOCKED', `${path} is being written by another process`, {
      hint: 'retry in a few seconds',
    });
  }
  // Take over under a second O_EXCL file, so two processes never both replace the same stale lock.
  const takeover = `${path}.takeover`;
  // A marker left by a process that crashed while taking over. (A missing marker is not old: another
  // process may be creating it right now, and removing its fresh marker would let two take over.)
  const markerAge = await stat(takeover).then(
    (s) => Date.now() - s.mtimeMs,
    () => null,
  );
  if (markerAge !== null && markerAge > TAKEOVER_GRACE_MS) await unlink(takeover).catch(() => {});
  if (!(await tryCreate(takeover, holder))) {
    throw new PhoenixError('LOCKED', `another process is taking over the stale lock ${path}`, {
      hint: `retry in a few seconds; if this persists, remove ${takeover}`,
    });
  }
  try {
    const again = await readHolder(path);
    if (JSON.stringify(again) !== JSON.stringify(current))
      throw new PhoenixError('LOCKED', `${path} changed while taking it over`, { hint: 'retry' });
    await unlink(path).catch(() => {});
    if (!(await tryCreate(path, holder)))
      throw new PhoenixError('LOCKED', `${path} was taken by another process`, { hint: 'retry' });
  } finally {
    await unlink(takeover).catch(() => {});
  }
  return held(path, holder, current === 'unreadable' ? null : current);
}

async function tryCreate(path: string, holder: LockHolder): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(holder)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readHolder(path: string): Promise<LockHolder | 'gone' | 'unreadable'> {
  try {
    const parsed = holderSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : 'unreadable';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unreadable';
  }
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  return stat(path).then(
    (s) => Date.now() - s.mtimeMs > ms,
    () => true,
  );
}

function lockedError(path: string, holder: LockHolder): PhoenixError {
  const where = holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on host ${holder.host}`;
  return new PhoenixError(
    'LOCKED',
    `another ${holder.operation} (${where}, started ${holder.startedAt}) is running on this stack`,
    {
      hint:
        holder.host === hostname()
          ? `wait for it to finish, or stop it with \`kill ${holder.pid}\``
          : `wait for it to finish; if nothing runs on ${holder.host} any more, remove ${path}`,
      details: { lock: path, ...holder },
    },
  );
}

function held(path: string, holder: LockHolder, tookOver: LockHolder | null): Lock {
  let released = false;
  return {
    path,
    holder,
    tookOver,
    async release() {
      if (released) return;
      released = true;
      const current = await readHolder(path);
      if (typeof current === 'object' && current.pid === holder.pid && current.startedAt === holder.startedAt)
        await unlink(path);
    },
  };
}
