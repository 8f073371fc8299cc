import type { Podman } from '@phoenix-hydra/podman-adapter';
import type { CheckResult, CheckStatus } from '../check-result.ts';

/** error: the stack will not work; warning: works but will hurt; info: worth knowing, nothing to do. */
export type Severity = 'error' | 'warning' | 'info';

/** Worst first: the order doctor groups its report in. */
export const SEVERITY_ORDER: readonly Severity[] = ['error', 'warning', 'info'];

/** A change `doctor --fix` may make on its own: small, reversible, never deleting data. */
export interface Fix {
  /** What it changes, in the words the confirmation prompt shows. */
  describe: string;
  apply(podman: Podman): Promise<void>;
}

/** One problem doctor found: a CheckResult (so `check`'s consumers read it) plus severity, title and why. */
export interface Finding extends CheckResult {
  /** Stable id of the catalogue entry, e.g. `PHX-OWNER-001`. */
  check: string;
  title: string;
  severity: Severity;
  /** Why it matters: what breaks, in the user's words. */
  why: string;
  /** Present when `--fix` can repair it without asking anything but the confirmation. */
  fix?: Fix;
}

/** One entry of the catalogue: its id never changes, so scripts and docs can refer to it. */
export interface CatalogueEntry {
  id: string;
  title: string;
  severity: Severity;
  why: string;
}

/** What a finding adds to its catalogue entry: the volume, the message, the evidence and the fix. */
interface FindingDetails {
  volume?: string | null;
  message: string;
  evidence?: Record<string, unknown>;
  /** The fix as a command a user can run. */
  hint?: string;
  fix?: Fix;
  /** Overrides the entry's severity (e.g. a full disk is an error, a low one a warning). */
  severity?: Severity;
  status?: CheckStatus;
}

const STATUS: Record<Severity, CheckStatus> = { error: 'fail', warning: 'warn', info: 'pass' };

/** Builds a finding from its catalogue entry; the status follows the severity unless given. */
export function finding(entry: CatalogueEntry, details: FindingDetails): Finding {
  const severity = details.severity ?? entry.severity;
  return {
    check: entry.id,
    title: entry.title,
    severity,
    why: entry.why,
    volume: details.volume ?? null,
    status: details.status ?? STATUS[severity],
    message: details.message,
    ...(details.hint === undefined ? {} : { hint: details.hint }),
    ...(details.evidence === undefined ? {} : { evidence: details.evidence }),
    ...(details.fix === undefined ? {} : { fix: details.fix }),
  };
}

/** Thrown by a check that cannot run because something it needs is missing (reported as skipped, info). */
export class SkipCheck extends Error {
  override readonly name = 'SkipCheck';
}
