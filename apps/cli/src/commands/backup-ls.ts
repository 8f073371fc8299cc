import { listBackups } from '@phoenix-hydra/backup';
import { type BackupScopeOptions, backupScope } from '../backup-dir.ts';
import { formatBytes } from '../format-bytes.ts';
import { formatTable } from '../format-table.ts';

export type BackupLsOptions = BackupScopeOptions;

/** `phoenix-volumes backup ls`: complete backups, newest first, with when each was last verified. */
export async function backupLsCommand(options: BackupLsOptions): Promise<void> {
  const { stdout, backupDir, project } = await backupScope(options);
  // A broken backup's project is unknown: it is listed whatever the scope, so it gets attention.
  const backups = (await listBackups(backupDir)).filter(
    (b) => project === undefined || b.status === 'broken' || b.manifest.project === project,
  );
  if (options.json) {
    stdout.write(`${JSON.stringify({ backupDir, project: project ?? null, backups }, null, 2)}\n`);
    return;
  }
  if (backups.length === 0) {
    stdout.write(
      `No backups${project ? ` of ${project}` : ''} in ${backupDir}. Create one: phoenix-volumes backup create${project ? ' (--all-projects lists every project)' : ''}\n`,
    );
    return;
  }
  const rows = backups.map((b) => {
    if (b.status === 'broken') return [b.id, '-', '-', '-', '-', '-', `BROKEN: ${b.problem}`];
    const m = b.manifest;
    const size = m.volumes.reduce((sum, v) => sum + v.artifactBytes, 0);
    const verified = b.verification
      ? `${b.verification.ok ? 'ok' : 'FAILED'} ${b.verification.verifiedAt}`
      : 'never';
    return [
      m.id,
      m.createdAt,
      m.project,
      m.volumes.map((v) => v.name).join(','),
      formatBytes(size),
      m.taken,
      verified,
    ];
  });
  stdout.write(
    `${formatTable([['ID', 'CREATED', 'PROJECT', 'VOLUMES', 'SIZE', 'TAKEN', 'VERIFIED'], ...rows])}\n`,
  );
}
