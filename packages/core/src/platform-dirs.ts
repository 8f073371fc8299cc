import { posix, win32 } from 'node:path';
import type { Env } from './interpolate.ts';

/** The platforms the CLI runs on (others are treated as Linux: XDG). */
export type Platform = NodeJS.Platform;

/** Where the CLI keeps its own files on this computer (not the volumes' data, which may live on a machine). */
export interface PlatformDirs {
  /** Settings the user edits. */
  config: string;
  /** Data the user would miss: the default base directory's parent on Linux. */
  data: string;
  /** Backups, locks, the event log, usage history. */
  state: string;
}

const absoluteIn = (path: string | undefined, abs: (p: string) => boolean): string | undefined =>
  path !== undefined && path !== '' && abs(path) ? path : undefined;

/**
 * The CLI's directories per platform, a pure function of platform, environment and home so tests can ask
 * for any of them. Linux (and every other Unix): the XDG base directories, as today. macOS:
 * ~/Library/Application Support/<app> (with Config/ and State/ below it; env-paths puts config in
 * ~/Library/Preferences, which Apple reserves for plists). Windows: %LOCALAPPDATA%\<app>\{Config,Data,State}
 * (local, not roaming: backups are large and paths are per computer). An absolute XDG_* variable the user
 * set wins on macOS too, as podman itself reads XDG_CONFIG_HOME/XDG_DATA_HOME there.
 */
export function platformDirs(app: string, platform: Platform, env: Env, home: string): PlatformDirs {
  if (platform === 'win32') {
    const local = absoluteIn(env.LOCALAPPDATA, win32.isAbsolute) ?? win32.join(home, 'AppData', 'Local');
    const root = win32.join(local, app);
    return {
      config: win32.join(root, 'Config'),
      data: win32.join(root, 'Data'),
      state: win32.join(root, 'State'),
    };
  }
  const xdg = (name: string) => absoluteIn(env[name], posix.isAbsolute);
  if (platform === 'darwin') {
    const root = posix.join(home, 'Library', 'Application Support', app);
    return {
      config: xdg('XDG_CONFIG_HOME')
        ? posix.join(xdg('XDG_CONFIG_HOME') as string, app)
        : posix.join(root, 'Config'),
      data: xdg('XDG_DATA_HOME') ? posix.join(xdg('XDG_DATA_HOME') as string, app) : root,
      state: xdg('XDG_STATE_HOME')
        ? posix.join(xdg('XDG_STATE_HOME') as string, app)
        : posix.join(root, 'State'),
    };
  }
  return {
    config: posix.join(xdg('XDG_CONFIG_HOME') ?? posix.join(home, '.config'), app),
    data: posix.join(xdg('XDG_DATA_HOME') ?? posix.join(home, '.local', 'share'), app),
    state: posix.join(xdg('XDG_STATE_HOME') ?? posix.join(home, '.local', 'state'), app),
  };
}
