import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isPhoenixError } from '@phoenix-hydra/core';
import {
  backupToRepo,
  backupTreesToRepo,
  canReadTrees,
  listRepo,
  type RepoBackupResult,
} from '@phoenix-hydra/offsite';
import { backupStack } from '@phoenix-hydra/operations/backup';
import type { AgentContext } from '../context.ts';
import type { Job } from '../jobs/scheduler.ts';
import type { OffsiteTarget } from './offsite-target.ts';

/**
 * The scheduled off-host backup: its own backup of backup.volumes (an uncompressed pg_dump staged in a
 * private directory beside the backup directory; the other volumes' trees read by restic where they
 * lie, layout 2, or plain tar staged when not in the namespace), uploaded as one restic snapshot, the
 * staging copy removed. Raises offsite.done / offsite.failed and sets phoenix_offsite_*.
 */
export function offsiteJob(ctx: AgentContext, target: OffsiteTarget): Job {
  const { config, stack, metrics } = ctx;
  const labels = { project: stack.project, repository: target.shown };
  metrics.offsiteRuns.inc({ ...labels, result: 'success' }, 0);
  metrics.offsiteRuns.inc({ ...labels, result: 'failure' }, 0);
  return {
    name: 'offsite',
    schedule: config.offsite?.schedule ?? null,
    jitterMs: config.offsite?.jitter ?? 0,
    lane: 'storage',
    async run(signal) {
      const started = performance.now();
      let backupId: string | undefined;
      await mkdir(ctx.backupDir, { recursive: true, mode: 0o700 });
      const staging = await mkdtemp(join(ctx.backupDir, '.offsite-'));
      try {
        const access = { ...target.access, signal };
        let uploaded: RepoBackupResult | undefined;
        const { manifest } = await backupStack(stack, ctx.podman, {
          volumes: stack.volumes.filter((v) => ctx.backupVolumes.includes(v.name)),
          backupDir: staging,
          stop: config.backup.stop,
          compression: 'none',
          pgUser: config.backup.pgUser,
          pgDatabase: config.backup.pgDatabase,
          pgPasswordEnv: config.backup.pgPasswordEnv,
          log: (line) => ctx.log.info({ job: 'offsite' }, line),
          signal,
          // Layout 2: restic reads the volume trees themselves (the agent runs inside podman unshare).
          ...(canReadTrees()
            ? {
                trees: async (dir, staged, trees) => {
                  backupId = staged.id; // a failed upload still names the backup in offsite.failed
                  uploaded = await backupTreesToRepo({ access, dir, manifest: staged, trees });
                },
              }
            : {}),
        });
        backupId = manifest.id;
        const result = uploaded ?? (await backupToRepo({ access, backupDir: staging, id: manifest.id }));
        const durationSeconds = (performance.now() - started) / 1000;
        metrics.offsiteLastSuccess.set(labels, Date.now() / 1000);
        metrics.offsiteDuration.set(labels, durationSeconds);
        metrics.offsiteBytesAdded.set(labels, result.bytesAdded);
        metrics.offsiteRuns.inc({ ...labels, result: 'success' });
        ctx.bus.emit({
          type: 'offsite.done',
          project: stack.project,
          backupId: manifest.id,
          repository: target.shown,
          snapshot: result.snapshot,
          bytesAdded: result.bytesAdded,
          bytesProcessed: result.bytesProcessed,
          durationSeconds,
        });
      } catch (error) {
        metrics.offsiteRuns.inc({ ...labels, result: 'failure' });
        ctx.bus.emit({
          type: 'offsite.failed',
          project: stack.project,
          ...(backupId === undefined ? {} : { backupId }),
          repository: target.shown,
          error: {
            code: isPhoenixError(error) ? error.code : 'INTERNAL',
            message: error instanceof Error ? error.message : String(error),
          },
        });
        throw error;
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Sets phoenix_offsite_last_success_timestamp_seconds from the repository's newest snapshot of the
 * project, so a restarted agent does not report a missing off-host backup; a failure is only logged.
 */
export async function readLastOffsite(ctx: AgentContext, target: OffsiteTarget): Promise<void> {
  const labels = { project: ctx.stack.project, repository: target.shown };
  try {
    const [newest] = await listRepo(target.access, ctx.stack.project);
    const seen = (await ctx.metrics.offsiteLastSuccess.get()).values.find(
      (v) => v.labels.project === labels.project && v.labels.repository === labels.repository,
    );
    if (newest !== undefined && seen === undefined)
      ctx.metrics.offsiteLastSuccess.set(labels, Date.parse(newest.time) / 1000);
  } catch (error) {
    ctx.log.warn({ err: error, repository: target.shown }, 'cannot list the off-host repository');
  }
}
