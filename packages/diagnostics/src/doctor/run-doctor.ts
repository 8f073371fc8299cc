import { isPhoenixError, PhoenixError } from '@phoenix-hydra/core';
import type { DoctorContext } from './context.ts';
import { type CatalogueEntry, type Finding, finding, SkipCheck } from './finding.ts';

/** A catalogue entry with the code that looks for it; returns one finding per problem, none when fine. */
export interface DoctorCheck extends CatalogueEntry {
  run(ctx: DoctorContext): Promise<Finding[]>;
}

/** The outcome of one doctor run. */
export interface DoctorReport {
  /** Problems and notes, worst first, each under its check's id. */
  findings: Finding[];
  /** Ids of the checks that ran and found nothing. */
  passed: string[];
  durationMs: number;
}

/** Reported when a check did not finish within its time limit. */
export const CHECK_TIMED_OUT: CatalogueEntry = {
  id: 'PHX-DOCTOR-001',
  title: 'a check did not finish in time',
  severity: 'warning',
  why: 'what that check looks at is unknown; a hanging podman or a slow filesystem is often the cause',
};

/** Reported when a check itself failed; the other checks still ran. */
export const CHECK_CRASHED: CatalogueEntry = {
  id: 'PHX-DOCTOR-002',
  title: 'a check could not run',
  severity: 'warning',
  why: 'what that check looks at is unknown until the error is fixed',
};

// Errors that mean "a prerequisite is missing", which its own check already reports as an error.
const PREREQUISITES: Record<string, string> = {
  PODMAN_MISSING: 'podman cannot be run (see PHX-PODMAN-001)',
  SUBID_MISSING: 'your user has no subordinate id range (see PHX-SUBID-001)',
};

function skipped(check: DoctorCheck, reason: string): Finding {
  return finding(check, { severity: 'info', status: 'skip', message: `not checked: ${reason}` });
}

function timeout(ms: number): { promise: Promise<never>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PhoenixError('PODMAN_TIMEOUT', `no answer in ${ms / 1000} s`)), ms);
  });
  return { promise, clear: () => clearTimeout(timer) };
}

/** Runs one check within the time limit; whatever goes wrong becomes a finding, never an exception. */
export async function runCheck(check: DoctorCheck, ctx: DoctorContext): Promise<Finding[]> {
  const limit = timeout(ctx.settings.checkTimeoutMs);
  try {
    return await Promise.race([check.run(ctx), limit.promise]);
  } catch (error) {
    if (error instanceof SkipCheck) return [skipped(check, error.message)];
    const prerequisite = isPhoenixError(error) ? PREREQUISITES[error.code] : undefined;
    if (prerequisite) return [skipped(check, prerequisite)];
    const timedOut = isPhoenixError(error) && error.code === 'PODMAN_TIMEOUT';
    const message = error instanceof Error ? error.message : String(error);
    return [
      finding(timedOut ? CHECK_TIMED_OUT : CHECK_CRASHED, {
        message: `${check.id} (${check.title}): ${message}`,
        evidence: { check: check.id, ...(isPhoenixError(error) ? error.details : {}) },
        ...(isPhoenixError(error) && error.hint ? { hint: error.hint } : {}),
      }),
    ];
  } finally {
    limit.clear();
  }
}

const RANK = { error: 0, warning: 1, info: 2 } as const;

/** Runs the checks concurrently (they share one podman info, one observation); `only` selects ids. */
export async function runDoctor(
  ctx: DoctorContext,
  checks: readonly DoctorCheck[],
  options: { only?: readonly string[] | undefined } = {},
): Promise<DoctorReport> {
  const started = Date.now();
  const wanted = options.only?.map((id) => id.toUpperCase());
  const selected = wanted ? checks.filter((c) => wanted.includes(c.id)) : checks;
  const results = await Promise.all(selected.map(async (c) => ({ id: c.id, found: await runCheck(c, ctx) })));
  const findings = results
    .flatMap((r) => r.found)
    .map((f, index) => ({ f, index }))
    .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.index - b.index)
    .map(({ f }) => f);
  return {
    findings,
    passed: results.filter((r) => r.found.length === 0).map((r) => r.id),
    durationMs: Date.now() - started,
  };
}

/** True when the stack has a problem that stops it working: the CLI exits 1. */
export function hasError(report: Pick<DoctorReport, 'findings'>): boolean {
  return report.findings.some((f) => f.severity === 'error');
}
