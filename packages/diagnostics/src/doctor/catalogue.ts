import { backupChecks } from './checks-backup.ts';
import { configChecks } from './checks-config.ts';
import { containerChecks } from './checks-containers.ts';
import { dumpChecks } from './checks-dump.ts';
import { hostChecks } from './checks-host.ts';
import { namedVolumeChecks } from './checks-named-volumes.ts';
import { postgresChecks } from './checks-postgres.ts';
import { probeChecks } from './checks-probe.ts';
import { SERVICE_ENTRIES, serviceChecks } from './checks-services.ts';
import { spaceChecks } from './checks-space.ts';
import { directoryChecks } from './checks-volumes.ts';
import type { CatalogueEntry } from './finding.ts';
import { LOG_SIGNATURES } from './log-signatures/index.ts';
import { CHECK_CRASHED, CHECK_TIMED_OUT, type DoctorCheck } from './run-doctor.ts';

/**
 * Every doctor check, in the order fixes apply (directories before their modes, owners and files).
 * Ids are stable: scripts, `--check ID` and the README refer to them.
 */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  ...hostChecks,
  ...directoryChecks,
  ...configChecks,
  ...postgresChecks,
  ...namedVolumeChecks,
  ...probeChecks,
  ...containerChecks,
  ...serviceChecks,
  ...dumpChecks,
  ...spaceChecks,
  ...backupChecks,
];

/** A catalogue entry as `doctor --list` prints it; `fixable`: `--fix` can repair it on its own. */
export interface CatalogueListing extends CatalogueEntry {
  kind: 'check' | 'service-state' | 'log-signature' | 'doctor';
  /** For log signatures: the pattern matched against each log line. */
  pattern?: string;
  /** The fix in words (for log signatures, with placeholders such as {path}). */
  hint?: string;
  fixable?: boolean;
}

const entry = ({ id, title, severity, why }: CatalogueEntry) => ({ id, title, severity, why });

/** Every id doctor can report, in report order: checks, service states, log signatures, doctor's own. */
export const CATALOGUE: readonly CatalogueListing[] = [
  ...DOCTOR_CHECKS.map((c) => ({ ...entry(c), kind: 'check' as const })),
  ...Object.values(SERVICE_ENTRIES)
    .filter((e) => !DOCTOR_CHECKS.some((c) => c.id === e.id))
    .map((e) => ({ ...entry(e), kind: 'service-state' as const })),
  ...LOG_SIGNATURES.map((s) => ({
    ...entry(s),
    kind: 'log-signature' as const,
    pattern: s.pattern.source,
    hint: s.hint,
    fixable: s.fix !== null,
  })),
  ...[CHECK_TIMED_OUT, CHECK_CRASHED].map((e) => ({ ...entry(e), kind: 'doctor' as const })),
];
