import { isPhoenixError, type PhoenixErrorCode } from '@phoenix-hydra/core';

/** Prints an error as one line plus its fix; returns the exit code it deserves (2 usage, 1 failure). */
export function reportError(error: unknown, options: { json: boolean }, stderr = process.stderr): 1 | 2 {
  if (isPhoenixError(error)) {
    if (options.json) {
      stderr.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
    } else {
      stderr.write(`error: ${error.message}\n`);
      if (error.hint) stderr.write(`hint: ${error.hint}\n`);
      const app = APP_HINTS[error.code];
      if (app && !error.hint?.includes('phoenix-volumes')) stderr.write(`hint: ${app}\n`);
    }
    return error.exitCode;
  }
  const system = systemErrorHint(error);
  if (system) {
    stderr.write(
      options.json
        ? `${JSON.stringify({ error: system })}\n`
        : `error: ${system.message}\nhint: ${system.hint}\n`,
    );
    return 1;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr.write(`error: unexpected failure: ${message}\n`);
  stderr.write('hint: this is a bug in phoenix-volumes; please report it with the command you ran\n');
  return 1;
}

/**
 * The commands that help with a library's error: @phoenix-hydra/backup is used alone too, so its hints do not
 * name this app's commands; the app adds them by code.
 */
const APP_HINTS: Partial<Record<PhoenixErrorCode, string>> = {
  BACKUP_NOT_FOUND: 'phoenix-volumes backup ls lists the backups (--backup-dir DIR for another directory)',
  BACKUP_CORRUPT: 'phoenix-volumes backup verify --all shows which backups are intact; restore one of those',
  BACKUP_UNSAFE_ENTRY:
    'phoenix-volumes backup verify --all shows which backups are intact; restore one of those',
  BACKUP_LIVE_DATABASE:
    'phoenix-volumes backup create --stop archives the database files with its containers stopped',
};

const SYSTEM_HINTS: Record<string, string> = {
  EACCES:
    'the path is not yours to change: check its owner and mode (files owned by container users need podman unshare)',
  EPERM: 'the operation is not permitted for your user: files owned by container users need podman unshare',
  ENOSPC: 'free space on that filesystem, or write somewhere else (--to DIR)',
  EROFS: 'the filesystem is read-only: choose a writable location',
  EDQUOT: 'your disk quota is used up: free space or write somewhere else (--to DIR)',
};

/** Operating-system errors the user can fix get their message and a hint instead of a stack trace. */
function systemErrorHint(error: unknown): { code: string; message: string; hint: string } | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!(error instanceof Error) || code === undefined) return undefined;
  const hint = SYSTEM_HINTS[code];
  return hint ? { code, message: error.message, hint } : undefined;
}
