import { join } from 'node:path';
import { namesIn, removeStaleTempDirs } from './atomic-dir.ts';
import { isBackupId } from './backup-id.ts';
import { type Manifest, readManifest, readVerification, type Verification } from './manifest.ts';

/** A complete backup, or one whose manifest cannot be read (reported, never thrown). */
export type ListedBackup =
  | { id: string; path: string; status: 'ok'; manifest: Manifest; verification: Verification | null }
  | { id: string; path: string; status: 'broken'; problem: string };

/**
 * Complete backups in `backupDir`, newest first. Backups still being written (or killed mid-way) are
 * never listed; leftovers of dead writers are removed on the way.
 */
export async function listBackups(backupDir: string): Promise<ListedBackup[]> {
  await removeStaleTempDirs(backupDir);
  const listed: ListedBackup[] = [];
  for (const id of (await namesIn(backupDir)).filter(isBackupId)) {
    const path = join(backupDir, id);
    try {
      const manifest = await readManifest(path);
      if (manifest.id !== id) throw new Error(`manifest names backup ${manifest.id}, not ${id}`);
      listed.push({ id, path, status: 'ok', manifest, verification: await readVerification(path) });
    } catch (error) {
      listed.push({ id, path, status: 'broken', problem: (error as Error).message });
    }
  }
  return listed.sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : sortKey(a) > sortKey(b) ? -1 : 0));
}

/** Creation time to the millisecond (ids only resolve seconds); broken backups use their id's time. */
function sortKey(backup: ListedBackup): string {
  if (backup.status === 'ok') return `${backup.manifest.createdAt} ${backup.id}`;
  const t = backup.id;
  return `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}.000Z ${t}`;
}
