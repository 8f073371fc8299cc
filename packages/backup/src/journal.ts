import { lstat, readdir, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { ensurePrivateDir, fsyncDir, writeFileAtomic } from './durable.ts';

/** The journal's file name inside a project's lock directory (beside the lock). */
export const JOURNAL_FILE = 'interrupted-operation.json';

const swapSchema = z.object({
  /** The volume directory being replaced. */
  target: z.string(),
  /** Where the new copy is extracted before it is renamed to `target`. */
  staging: z.string(),
  /** Where the old `target` is renamed to first. */
  previous: z.string(),
});
export type JournalSwap = z.infer<typeof swapSchema>;

const rebindSchema = z.object({
  /** The podman volume recreated with bind options (`<project>_<volume>`). */
  volume: z.string(),
  /** The host directory it binds, which already holds the adopted copy when the rebind is due. */
  device: z.string(),
  /** Where the old podman-managed `_data` is moved before the volume is removed (kept for the user). */
  keep: z.string(),
  labels: z.record(z.string(), z.string()),
  /** Mounted once as its owner from this image after it is created, so podman's first-mount chown/chmod changes nothing. */
  prime: z
    .object({ image: z.string(), owner: z.object({ uid: z.number().int(), gid: z.number().int() }) })
    .nullable()
    .default(null),
});
export type JournalRebind = z.infer<typeof rebindSchema>;

const journalSchema = z.object({
  schemaVersion: z.literal(1),
  operation: z.string(),
  pid: z.number().int(),
  host: z.string(),
  startedAt: z.string(),
  /** Containers the operation stopped and has not started again yet. */
  stopped: z.array(z.string()),
  /** Directory swaps begun and not finished (or not cleaned up) yet. */
  swaps: z.array(swapSchema),
  /** Adopt: named volumes to recreate bound to their host directory once the copy is in place. */
  rebind: z.array(rebindSchema).default([]),
  /** Adopt: compose files whose containers were removed and must be created again (`podman-compose up -d`). */
  composeUp: z.array(z.string()).default([]),
});
export type JournalState = z.infer<typeof journalSchema>;

/**
 * What an operation holding the project's lock has under way, written durably BEFORE each step
 * (stopping a container, creating a staging copy, renaming a volume away), so that when it is
 * killed the next command of the project can finish or undo it. Steps done are removed again.
 */
export interface Journal {
  readonly path: string;
  /** Changes the state and writes it (temp file, fsync, rename) before returning. Calls run in order. */
  update(change: (state: JournalState) => void): Promise<void>;
  /** Removes the file when nothing is pending; otherwise keeps it for the next command to repair. */
  close(): Promise<void>;
}

/** Starts a journal for `operation` in `dir` (the project's lock directory). Call it while holding the lock. */
export async function openJournal(dir: string, operation: string): Promise<Journal> {
  await ensurePrivateDir(dir);
  const path = join(dir, JOURNAL_FILE);
  const state: JournalState = {
    schemaVersion: 1,
    operation,
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    stopped: [],
    swaps: [],
    rebind: [],
    composeUp: [],
  };
  let written = false;
  let queue: Promise<void> = Promise.resolve();
  const write = async () => {
    if (
      state.stopped.length === 0 &&
      state.swaps.length === 0 &&
      state.rebind.length === 0 &&
      state.composeUp.length === 0
    ) {
      if (written) await removeJournal(dir);
      written = false;
      return;
    }
    await writeFileAtomic(path, `${JSON.stringify(state)}\n`);
    written = true;
  };
  return {
    path,
    update(change) {
      const next = queue.then(() => {
        change(state);
        return write();
      });
      queue = next.catch(() => {});
      return next;
    },
    async close() {
      await queue;
    },
  };
}

/** The journal an interrupted operation left in `dir`; null when there is none. Unreadable files count as none, and are removed. */
export async function readJournal(dir: string): Promise<JournalState | null> {
  let text: string;
  try {
    text = await readFile(join(dir, JOURNAL_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return journalSchema.parse(JSON.parse(text));
  } catch {
    // writeFileAtomic never leaves a torn file: this one was not written by us. Nothing to act on.
    await removeJournal(dir);
    return null;
  }
}

/** Deletes the journal once everything it lists is repaired. */
export async function removeJournal(dir: string): Promise<void> {
  await rm(join(dir, JOURNAL_FILE), { force: true });
  await fsyncDir(dir).catch(() => {});
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Brings an interrupted swap to a consistent state from what is on disk: the old data is put back
 * when the new copy was not in place yet, a staging copy is removed. Returns what it did, one
 * sentence each, for the user. Safe to run again. (Renaming within the parent needs no access to
 * the tree itself, so only `remove` may need the user namespace.)
 */
export async function repairSwap(
  swap: JournalSwap,
  /** Deletes a directory tree; pass one that works for trees owned by container users (podman unshare). */
  remove: (path: string) => Promise<void> = (path) => rm(path, { recursive: true, force: true }),
  /** The journaled operation (`restore`, `adopt` …), named in the sentences. */
  operation = 'restore',
  /** Where the three paths are not on this computer (a remote podman's machine): how to look and rename. */
  elsewhere?: {
    exist(paths: readonly string[]): Promise<boolean[]>;
    rename(from: string, to: string): Promise<void>;
  },
): Promise<string[]> {
  const done: string[] = [];
  const paths = [swap.target, swap.previous, swap.staging];
  const [hasTarget, hasPrevious, hasStaging] = elsewhere
    ? await elsewhere.exist(paths)
    : await Promise.all(paths.map(exists));
  if (!hasTarget && hasPrevious) {
    if (elsewhere) await elsewhere.rename(swap.previous, swap.target);
    else {
      await rename(swap.previous, swap.target);
      await fsyncDir(dirname(swap.target));
    }
    done.push(
      `put the previous data back into ${swap.target} (the ${operation} stopped between its two renames)`,
    );
  } else if (hasTarget && hasPrevious && !hasStaging) {
    done.push(
      `the ${operation} into ${swap.target} had completed; the previous data is kept in ${swap.previous}`,
    );
  }
  if (hasStaging) {
    await remove(swap.staging);
    done.push(`removed the unfinished ${operation} copy ${swap.staging}`);
  }
  // What fills the staging copy may work beside it as `<staging>.<suffix>` (an off-host tree is fetched
  // into `<staging>.fetch`, then renamed in): part of the same unfinished copy.
  if (!elsewhere) {
    const prefix = `${basename(swap.staging)}.`;
    const beside = await readdir(dirname(swap.staging)).catch(() => [] as string[]);
    for (const name of beside.filter((n) => n.startsWith(prefix))) {
      await remove(join(dirname(swap.staging), name));
      done.push(`removed the unfinished ${operation} copy ${join(dirname(swap.staging), name)}`);
    }
  }
  return done;
}

/** One line saying what an interrupted operation left unfinished (for the doctor and the repairing command). */
export function describeJournal(state: JournalState): string {
  const left = [
    ...state.swaps.map((s) => `a ${state.operation === 'adopt' ? 'copy into' : 'restore of'} ${s.target}`),
    ...(state.stopped.length > 0 ? [`stopped container(s) ${state.stopped.join(', ')}`] : []),
    ...state.rebind.map((r) => `volume ${r.volume} not yet bound to ${r.device}`),
    ...(state.composeUp.length > 0 ? [`removed containers of ${state.composeUp.join(', ')}`] : []),
  ];
  return `an interrupted ${state.operation} (pid ${state.pid}, started ${state.startedAt}) left ${left.join(' and ')} unfinished`;
}
