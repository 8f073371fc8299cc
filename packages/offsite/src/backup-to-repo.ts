import { hostname } from 'node:os';
import { join } from 'node:path';
import { type Manifest, readManifest } from '@phoenix-hydra/backup';
import { PhoenixError } from '@phoenix-hydra/errors';
import { z } from 'zod';
import { type RepoAccess, restic } from './restic.ts';
import { snapshotTags } from './tags.ts';

/** The summary line of `restic backup --json`. */
const summarySchema = z.object({
  message_type: z.literal('summary'),
  snapshot_id: z.string(),
  data_added: z.number(),
  total_bytes_processed: z.number(),
  total_duration: z.number(),
  files_unmodified: z.number().optional(),
});

/** What one upload added to the repository. */
export interface RepoBackupResult {
  id: string;
  project: string;
  snapshot: string;
  /** Bytes the repository grew by (after deduplication and restic's compression). */
  bytesAdded: number;
  /** Bytes read from the staged backup. */
  bytesProcessed: number;
  /** Files restic found unchanged since the parent snapshot and did not read again. */
  filesUnchanged: number;
  durationSeconds: number;
}

export interface BackupToRepoOptions {
  access: RepoAccess;
  /** A local backup directory holding backup `id` (written with compression 'none' to deduplicate). */
  backupDir: string;
  id: string;
  /** Recorded as the snapshot's host (default: this host's name). */
  host?: string | undefined;
}

/**
 * Layout 1 (archives): uploads one local backup as one restic snapshot: its manifest and artifacts at the snapshot's root,
 * tagged phoenix-volumes, project, id, how it was taken and each volume. Plain tar and uncompressed
 * dumps deduplicate against earlier snapshots; restic compresses and encrypts them.
 */
export async function backupToRepo(options: BackupToRepoOptions): Promise<RepoBackupResult> {
  const dir = join(options.backupDir, options.id);
  const manifest: Manifest = await readManifest(dir);
  // --quiet: no progress lines (thousands for many small files, all buffered here); the summary stays.
  const args = ['backup', '--json', '--quiet', '--host', options.host ?? hostname()];
  for (const tag of snapshotTags(manifest)) args.push('--tag', tag);
  const stdout = await restic(options.access, { args: [...args, '.'], cwd: dir });
  return summaryOf(stdout, manifest);
}

/** What restic's `backup --json` summary says one upload of `manifest` added. */
export function summaryOf(stdout: string, manifest: Manifest): RepoBackupResult {
  const summary = stdout
    .split('\n')
    .map((line) => summarySchema.safeParse(safeJson(line)))
    .findLast((parsed) => parsed.success)?.data;
  if (!summary)
    throw new PhoenixError('RESTIC_FAILED', 'restic backup printed no summary: the snapshot may be missing');
  return {
    id: manifest.id,
    project: manifest.project,
    snapshot: summary.snapshot_id,
    bytesAdded: summary.data_added,
    bytesProcessed: summary.total_bytes_processed,
    filesUnchanged: summary.files_unmodified ?? 0,
    durationSeconds: summary.total_duration,
  };
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
