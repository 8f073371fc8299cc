import { backupStack } from '@phoenix-hydra/operations/backup';
import type { AgentContext } from '../context.ts';
import type { Job } from './scheduler.ts';

/**
 * The scheduled backup: diagnostics' backupStack (the CLI's `backup create`), its events on the agent's
 * bus; `afterSuccess` runs once a backup is written (offsite.afterBackup queues the off-host job).
 */
export function backupJob(ctx: AgentContext, afterSuccess?: () => void): Job {
  const { config, stack } = ctx;
  return {
    name: 'backup',
    schedule: config.backup.schedule,
    jitterMs: config.backup.jitter,
    lane: 'storage',
    async run(signal) {
      const volumes = stack.volumes.filter((v) => ctx.backupVolumes.includes(v.name));
      try {
        const { manifest, bytes } = await backupStack(stack, ctx.podman, {
          volumes,
          backupDir: ctx.backupDir,
          stop: config.backup.stop,
          compression: config.backup.compression,
          pgUser: config.backup.pgUser,
          pgDatabase: config.backup.pgDatabase,
          pgPasswordEnv: config.backup.pgPasswordEnv,
          onEvent: (event) => {
            ctx.bus.emit(event);
            return undefined;
          },
          log: (line) => ctx.log.info({ job: 'backup' }, line),
          signal,
        });
        ctx.metrics.backupRuns.inc({ project: stack.project, result: 'success' });
        ctx.log.info({ job: 'backup', backup: manifest.id, bytes }, `backup ${manifest.id} written`);
        afterSuccess?.();
      } catch (error) {
        ctx.metrics.backupRuns.inc({ project: stack.project, result: 'failure' });
        throw error;
      } finally {
        await ctx.refreshBackups();
      }
    },
  };
}
