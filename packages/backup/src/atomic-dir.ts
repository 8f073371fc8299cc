import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { fsyncDir } from './durable.ts';
import { isDeadHere } from './process-alive.ts';

const TEMP_PREFIX = '.tmp-';
const WRITER_FILE = '.writer.json';
/** A temp dir without a writer marker is left alone this long (its writer may be about to write one). */
const UNMARKED_GRACE_MS = 10 * 60 * 1000;

const writerSchema = z.object({ pid: z.number().int(), host: z.string(), startedAt: z.string() });

/** A backup being written: invisible to listBackups until `commit` renames it to its final name. */
export interface TempBackupDir {
  path: string;
  commit(): Promise<string>;
  discard(): Promise<void>;
}

/** Creates `<backupDir>/.tmp-<id>/` (mode 0700) with a marker naming this process, so leftovers can be judged. */
export async function beginTempDir(backupDir: string, id: string): Promise<TempBackupDir> {
  const path = join(backupDir, `${TEMP_PREFIX}${id}`);
  const finalPath = join(backupDir, id);
  await mkdir(path, { mode: 0o700 });
  const marker = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  await writeFile(join(path, WRITER_FILE), JSON.stringify(marker), { mode: 0o600 });
  return {
    path,
    async commit() {
      await unlink(join(path, WRITER_FILE));
      await fsyncDir(path);
      await rename(path, finalPath);
      await fsyncDir(backupDir);
      return finalPath;
    },
    async discard() {
      await rm(path, { recursive: true, force: true });
    },
  };
}

/** Moves a backup out of sight before deleting it, so a half-deleted backup is never listed as complete. */
export async function removeBackupDir(backupDir: string, id: string): Promise<void> {
  const hidden = join(backupDir, `${TEMP_PREFIX}${id}-removing`);
  await rename(join(backupDir, id), hidden);
  await fsyncDir(backupDir);
  await rm(hidden, { recursive: true, force: true });
}

/** The names in a backup directory; none while it does not exist (nothing was backed up there yet). */
export async function namesIn(backupDir: string): Promise<string[]> {
  try {
    return await readdir(backupDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Removes `.tmp-*` leftovers of killed writers: the marker names a dead pid on this host, or there is
 * no marker and the directory is old. Returns the names removed. Live writers' dirs are untouched.
 */
export async function removeStaleTempDirs(backupDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of (await namesIn(backupDir)).filter((n) => n.startsWith(TEMP_PREFIX))) {
    const path = join(backupDir, name);
    if (await isStale(path)) {
      await rm(path, { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}

async function isStale(path: string): Promise<boolean> {
  try {
    const writer = writerSchema.parse(JSON.parse(await readFile(join(path, WRITER_FILE), 'utf8')));
    return isDeadHere(writer);
  } catch {
    try {
      return Date.now() - (await stat(path)).mtimeMs > UNMARKED_GRACE_MS;
    } catch {
      return false;
    }
  }
}
