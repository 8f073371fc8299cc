/** pass: fine; warn: works but needs attention; fail: the stack will not work; skip: could not be checked. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** One finding of check or doctor, with the fix a user can run. */
export interface CheckResult {
  /** Stable id, e.g. `owner` for check or `PHX-OWNER-001` for doctor. */
  check: string;
  volume: string | null;
  status: CheckStatus;
  message: string;
  hint?: string;
  /** The facts the finding rests on (actual mode, owner, label, nginx's message...). */
  evidence?: Record<string, unknown>;
}

/** True when any result would make the stack fail: the CLI exits 1. */
export function hasFailure(results: readonly CheckResult[]): boolean {
  return results.some((r) => r.status === 'fail');
}
