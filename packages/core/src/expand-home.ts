import { homedir } from 'node:os';
import { join } from 'node:path';

/** Expands a leading "~" or "~/" to the home directory; "~user/x" is left alone, as compose does. */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}
