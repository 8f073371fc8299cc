import { listBackups } from '@phoenix-hydra/backup';
import { defaultBackupDir } from '@phoenix-hydra/core';
import type { CommandIO } from '../context.ts';
import { formatBytes } from '../format-bytes.ts';
import { formatTable } from '../format-table.ts';

export interface BackupLsOptions extends CommandIO {
  from?: string;
  json?: boolean;
}

/** `phoenix-volumes backup ls`: complete backups, newest first, with when each was last verified. */
export async function backupLsCommand(options: BackupLsOptions): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const backupDir = options.from ?? defaultBackupDir();
  const backups = await listBackups(backupDir);
  if (options.json) {
    stdout.write(`${JSON.stringify({ backupDir, backups }, null, 2)}\n`);
    return;
  }
  if (backups.length === 0) {
    stdout.write(`No backups in ${backupDir}. Create one: phoenix-volumes backup create\n`);
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
