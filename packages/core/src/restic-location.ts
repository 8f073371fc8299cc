import { resolve } from 'node:path';
import { expandHome } from './expand-home.ts';

/** restic's backend prefixes; any other location is a local path. */
const RESTIC_BACKENDS = /^(local|sftp|rest|s3|b2|azure|gs|swift|rclone):/;

/**
 * A restic repository location as written in a file: backend locations (`sftp:`, `rest:` …) unchanged,
 * a local path with `~` expanded and made absolute against the file's directory.
 */
export function resticLocation(repo: string, dir: string, home: string): string {
  return RESTIC_BACKENDS.test(repo) ? repo : resolve(dir, expandHome(repo, home));
}
