import { PhoenixError } from '@phoenix-hydra/errors';
import { z } from 'zod';
import { type RepoAccess, restic, shownRepo } from './restic.ts';
import { type Layout, layoutOf, OWN_TAG, tagValue, tagValues } from './tags.ts';

const snapshotSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  short_id: z.string(),
  time: z.string(),
  hostname: z.string(),
  tags: z.array(z.string()).nullish(),
});

/** A stack backup stored as a snapshot in the repository. */
export interface RepoBackup {
  /** The backup id (as in the local backup directory). */
  id: string;
  snapshot: string;
  shortId: string;
  project: string;
  taken: string;
  volumes: string[];
  host: string;
  time: string;
  /** 1: archives; 2: volume trees (see tags.ts). */
  layout: Layout;
}

/** phoenix-volumes' snapshots in the repository, newest first; `project` keeps one project's. */
export async function listRepo(access: RepoAccess, project?: string | undefined): Promise<RepoBackup[]> {
  const filter = project === undefined ? OWN_TAG : `${OWN_TAG},project:${project}`;
  const stdout = await restic(access, { args: ['snapshots', '--json', '--tag', filter] });
  const parsed = z
    .array(snapshotSchema)
    .nullable()
    .safeParse(JSON.parse(stdout || '[]'));
  if (!parsed.success)
    throw new PhoenixError('RESTIC_FAILED', 'restic snapshots printed JSON this version does not understand');
  const backups: RepoBackup[] = [];
  for (const s of parsed.data ?? []) {
    const tags = s.tags ?? [];
    const id = tagValue(tags, 'id');
    const name = tagValue(tags, 'project');
    if (id === undefined || name === undefined) continue;
    backups.push({
      id,
      snapshot: s.id,
      shortId: s.short_id,
      project: name,
      taken: tagValue(tags, 'taken') ?? 'unknown',
      volumes: tagValues(tags, 'volume'),
      host: s.hostname,
      time: s.time,
      layout: layoutOf(tags),
    });
  }
  return backups.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
}

/** The backup named by `ref`: a backup id, a snapshot id (or its prefix), or `latest`. */
export async function findRepoBackup(
  access: RepoAccess,
  ref: string,
  project?: string | undefined,
): Promise<RepoBackup> {
  const backups = await listRepo(access, project);
  const found =
    ref === 'latest'
      ? backups[0]
      : backups.find((b) => b.id === ref || (ref.length >= 8 && b.snapshot.startsWith(ref)));
  if (!found) {
    throw new PhoenixError('REPO_NOT_FOUND', `no backup ${ref} in ${shownRepo(access.repo)}`, {
      hint: 'list the repository with: phoenix-volumes backup ls --repo REPO',
    });
  }
  return found;
}
