import type { Podman } from '@phoenix-hydra/podman-adapter';
import { DOCTOR_CHECKS } from './catalogue.ts';
import type { Finding } from './finding.ts';

/** What happened to one fix. */
export interface FixOutcome {
  check: string;
  volume: string | null;
  describe: string;
  ok: boolean;
  error?: string;
}

/** The findings `--fix` can repair, in catalogue order (a directory is made before it is chowned). */
export function fixable(findings: readonly Finding[]): (Finding & { fix: NonNullable<Finding['fix']> })[] {
  const order = (f: Finding) => DOCTOR_CHECKS.findIndex((c) => c.id === f.check);
  return findings
    .filter((f): f is Finding & { fix: NonNullable<Finding['fix']> } => f.fix !== undefined)
    .sort((a, b) => order(a) - order(b));
}

/** Applies each fix in order; a failing fix is recorded and the next one still runs. */
export async function applyFixes(
  podman: Podman,
  findings: readonly Finding[],
  onFix?: (f: Finding, index: number, total: number) => void,
): Promise<FixOutcome[]> {
  const todo = fixable(findings);
  const outcomes: FixOutcome[] = [];
  for (const [index, f] of todo.entries()) {
    onFix?.(f, index, todo.length);
    const base = { check: f.check, volume: f.volume, describe: f.fix.describe };
    try {
      await f.fix.apply(podman);
      outcomes.push({ ...base, ok: true });
    } catch (error) {
      outcomes.push({ ...base, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcomes;
}
