import { createDoctorContext, DOCTOR_CHECKS, runDoctor } from '@phoenix-hydra/diagnostics';
import type { AgentContext } from '../context.ts';
import type { Job } from './scheduler.ts';
import { exportServiceStates } from './service-metrics.ts';

/**
 * Runs the doctor's catalogue and exports each check as phoenix_check_status{check} (1 passed, 0 found a
 * warning or an error); a check that starts failing raises `check.failed` once, until it passes again.
 */
export function checkJob(ctx: AgentContext): Job {
  const failing = new Set<string>();
  return {
    name: 'checks',
    schedule: ctx.config.checks.schedule,
    jitterMs: ctx.config.checks.jitter,
    lane: 'checks',
    async run() {
      const doctor = createDoctorContext(ctx.stack, ctx.podman, {
        backupDir: ctx.backupDir,
        backupMaxAgeMs: ctx.config.backup.maxAge,
      });
      const report = await runDoctor(doctor, DOCTOR_CHECKS);
      await exportServiceStates(doctor, ctx.metrics);
      const bad = new Map<string, { message: string; volume: string | null }>();
      for (const f of report.findings) {
        if (f.severity === 'info' || bad.has(f.check)) continue;
        bad.set(f.check, { message: f.message, volume: f.volume });
      }
      // A check that could not run (PHX-DOCTOR-*) is reported under its own id as well.
      for (const id of new Set([...DOCTOR_CHECKS.map((c) => c.id), ...bad.keys()])) {
        ctx.metrics.checkStatus.set({ project: ctx.stack.project, check: id }, bad.has(id) ? 0 : 1);
      }
      for (const [check, found] of bad) {
        if (failing.has(check)) continue;
        failing.add(check);
        ctx.bus.emit({
          type: 'check.failed',
          project: ctx.stack.project,
          check,
          message: found.message,
          ...(found.volume ? { volume: found.volume } : {}),
        });
      }
      for (const check of [...failing]) if (!bad.has(check)) failing.delete(check);
      ctx.log.info({ job: 'checks', failing: [...bad.keys()], ms: report.durationMs }, 'checks ran');
    },
  };
}
