import { backupChecks } from './checks-backup.ts';
import { configChecks } from './checks-config.ts';
import { containerChecks } from './checks-containers.ts';
import { hostChecks } from './checks-host.ts';
import { namedVolumeChecks } from './checks-named-volumes.ts';
import { postgresChecks } from './checks-postgres.ts';
import { spaceChecks } from './checks-space.ts';
import { directoryChecks } from './checks-volumes.ts';
import type { DoctorCheck } from './run-doctor.ts';

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
  ...containerChecks,
  ...spaceChecks,
  ...backupChecks,
];
