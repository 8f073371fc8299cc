import { acquireLock, pruneBackups, type RetentionPolicy } from '@phoenix-hydra/backup';
import { type BackupScopeOptions, backupScope } from '../backup-dir.ts';

export interface BackupPruneOptions extends BackupScopeOptions, RetentionPolicy {
  dryRun?: boolean;
}

/** `phoenix-volumes backup prune --keep-*`: restic's retention rules; never removes the newest verified backup. */
export async function backupPruneCommand(options: BackupPruneOptions): Promise<void> {
  const { stdout, backupDir, project } = await backupScope(options);
  const policy = Object.fromEntries(
    Object.entries(options).filter(([key, value]) => key.startsWith('keep') && value !== undefined),
  ) as RetentionPolicy;
  const lock = await acquireLock(backupDir, { operation: 'prune' });
  try {
    const plan = await pruneBackups(backupDir, { ...policy, dryRun: Boolean(options.dryRun), project });
    if (options.json) {
      stdout.write(
        `${JSON.stringify({ backupDir, project: project ?? null, dryRun: Boolean(options.dryRun), ...plan }, null, 2)}\n`,
      );
      return;
    }
    for (const k of plan.keep) stdout.write(`keep    ${k.id}  (${k.reasons.join(', ')})\n`);
    for (const r of plan.remove) stdout.write(`${options.dryRun ? 'would remove' : 'removed'} ${r.id}\n`);
    stdout.write(
      `${plan.keep.length} kept, ${plan.remove.length} ${options.dryRun ? 'would be removed (dry run)' : 'removed'}.\n`,
    );
  } finally {
    await lock.release();
  }
}
