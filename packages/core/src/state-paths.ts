import { isAbsolute, join } from 'node:path';
import { homeOf } from './base-dir.ts';
import type { Env } from './interpolate.ts';
import { type Platform, platformDirs } from './platform-dirs.ts';

/**
 * Backups, locks, the event log, usage history: `${XDG_STATE_HOME:-$HOME/.local/state}/phoenix-hydra` on
 * Linux, under ~/Library/Application Support on macOS and %LOCALAPPDATA% on Windows (see platformDirs).
 */
export function stateDir(env: Env = process.env, platform: Platform = process.platform): string {
  return platformDirs('phoenix-hydra', platform, env, homeOf(env)).state;
}

/** Where backups go unless `--to DIR` says otherwise (`PHOENIX_BACKUP_DIR` overrides). */
export function defaultBackupDir(env: Env = process.env): string {
  const override = env.PHOENIX_BACKUP_DIR;
  return override !== undefined && isAbsolute(override) ? override : join(stateDir(env), 'backups');
}

/** The directory holding a project's operation lock: one backup, restore or cleanup per stack at a time. */
export function lockDir(project: string, env: Env = process.env): string {
  return join(stateDir(env), 'locks', project);
}

/** The append-only JSON-lines log of events the CLI raised, which the agent forwards to hooks. */
export function eventLogPath(env: Env = process.env): string {
  return join(stateDir(env), 'events.jsonl');
}
