/** Stable error codes: scripts and tests match on these, never on message text. */
export type PhoenixErrorCode =
  | 'COMPOSE_NOT_FOUND'
  | 'COMPOSE_YAML'
  | 'COMPOSE_INVALID'
  | 'COMPOSE_VARIABLE'
  | 'VOLUME_INVALID'
  | 'VOLUME_UNKNOWN'
  | 'PATH_OUTSIDE_BASE'
  | 'PATH_CONFLICT'
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'PODMAN_MISSING'
  | 'PODMAN_FAILED'
  | 'PODMAN_TIMEOUT'
  | 'PODMAN_OUTPUT'
  | 'SUBID_MISSING'
  | 'PODMAN_REMOTE_UNSUPPORTED'
  | 'VOLUME_DRIFT'
  | 'VOLUME_IN_USE'
  | 'CHECK_FAILED'
  | 'ABORTED'
  | 'LOCKED'
  | 'BACKUP_NOT_FOUND'
  | 'BACKUP_CORRUPT'
  | 'BACKUP_UNSAFE_ENTRY'
  | 'BACKUP_LIVE_DATABASE'
  | 'BACKUP_FAILED'
  | 'RESTORE_FAILED'
  | 'BACKUP_OTHER_PROJECT'
  | 'BACKUP_OTHER_DATABASE'
  | 'POSTGRES_NAME_INVALID'
  | 'POSTGRES_HOST_INVALID'
  | 'BACKUP_SHADOWED'
  | 'ADOPT_FAILED'
  | 'REPAIR_FAILED'
  | 'NO_SPACE'
  | 'RESTIC_MISSING'
  | 'RESTIC_FAILED'
  | 'REPO_NOT_FOUND'
  | 'INTERNAL';

export interface PhoenixErrorOptions {
  /** The command or edit that fixes the problem, shown to the user under the message. */
  hint?: string | undefined;
  cause?: unknown;
  /** Process exit code the CLI uses: 2 for bad input/usage, 1 otherwise. */
  exitCode?: 1 | 2;
  /** Structured facts for --json output (file, line, volume...). */
  details?: Record<string, unknown>;
}

const USAGE_CODES: ReadonlySet<PhoenixErrorCode> = new Set([
  'COMPOSE_NOT_FOUND',
  'COMPOSE_YAML',
  'COMPOSE_INVALID',
  'COMPOSE_VARIABLE',
  'VOLUME_INVALID',
  'VOLUME_UNKNOWN',
  'PATH_OUTSIDE_BASE',
  'PATH_CONFLICT',
  'CONFIG_INVALID',
  'USAGE',
  // Refused before any change: the command cannot run with this podman (a remote client).
  'PODMAN_REMOTE_UNSUPPORTED',
]);

/** The one error type every package throws: a stable code, a one-line message and the fix. */
export class PhoenixError extends Error {
  override readonly name = 'PhoenixError';
  readonly code: PhoenixErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: 1 | 2;
  readonly details: Record<string, unknown>;

  constructor(code: PhoenixErrorCode, message: string, options: PhoenixErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? (USAGE_CODES.has(code) ? 2 : 1);
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, ...this.details };
  }
}

/** Narrows unknown errors without instanceof, which breaks across duplicated package copies. */
export function isPhoenixError(error: unknown): error is PhoenixError {
  return error instanceof Error && error.name === 'PhoenixError' && 'code' in error;
}
