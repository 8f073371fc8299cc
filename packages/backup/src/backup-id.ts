import { randomBytes } from 'node:crypto';

/** `20261125T193000Z-a1b2c3`: UTC time first, so ids sort by age as plain strings. */
export const BACKUP_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

/** `20261125T193000Z` for a date, UTC. */
export function compactTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

export function newBackupId(date = new Date()): string {
  return `${compactTime(date)}-${randomBytes(3).toString('hex')}`;
}

export function isBackupId(name: string): boolean {
  return BACKUP_ID_PATTERN.test(name);
}
