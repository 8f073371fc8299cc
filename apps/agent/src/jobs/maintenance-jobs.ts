import { acquireLock, pruneBackups, verifyAll } from '@phoenix-hydra/backup';
import type { AgentContext } from '../context.ts';
import type { Job } from './scheduler.ts';

/** Re-reads every backup in the directory (hashes, every entry); a damaged one raises `check.failed`. */
export function verifyJob(ctx: AgentContext): Job {
  return {
    name: 'verify',
    schedule: ctx.config.verify.schedule,
    jitterMs: ctx.config.verify.jitter,
    lane: 'storage',
    async run(signal) {
      const results = await verifyAll(ctx.backupDir, { signal });
      for (const result of results.filter((r) => !r.ok)) {
        ctx.bus.emit({
          type: 'check.failed',
          project: ctx.stack.project,
          check: 'backup-verify',
          message: `backup ${result.id} is damaged: ${result.problems.join('; ')}`,
        });
      }
      ctx.log.info(
        { job: 'verify', backups: results.length, damaged: results.filter((r) => !r.ok).length },
        'backups verified',
      );
      await ctx.refreshBackups();
    },
  };
}

/** Applies the retention policy (restic's rules; the newest verified backup is always kept), as `backup prune`. */
export function pruneJob(ctx: AgentContext): Job {
  const { keep } = ctx.config.prune;
  return {
    name: 'prune',
    schedule: ctx.config.prune.schedule,
    jitterMs: ctx.config.prune.jitter,
    lane: 'storage',
    async run() {
      const lock = await acquireLock(ctx.backupDir, { operation: 'prune' });
      try {
        const plan = await pruneBackups(ctx.backupDir, {
          keepLast: keep.last,
          keepDaily: keep.daily,
          keepWeekly: keep.weekly,
          keepMonthly: keep.monthly,
          keepYearly: keep.yearly,
        });
        ctx.log.info(
          { job: 'prune', kept: plan.keep.length, removed: plan.remove.map((r) => r.id) },
          `pruned ${plan.remove.length} backups`,
        );
      } finally {
        await lock.release();
      }
      await ctx.refreshBackups();
    },
  };
}
