import { posix } from 'node:path';

/** The parts of a tar entry the safety rules look at (node-tar's ReadEntry has them all). */
export interface EntryFacts {
  path: string;
  type: string;
  linkpath?: string | undefined;
  mode?: number | undefined;
}

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

/** `./a/b/` → `a/b`; the root entry `./` → `.`. */
export function normalizeEntryPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const normal = posix.normalize(trimmed === '' ? '.' : trimmed);
  return normal.replace(/^(\.\/)+/, '') || '.';
}

function escapes(relativeToRoot: string): boolean {
  return posix.isAbsolute(relativeToRoot) || relativeToRoot === '..' || relativeToRoot.startsWith('../');
}

/**
 * Why an entry must not be restored, or null when it is safe: absolute paths, `..`, hard links to
 * outside the tree, device nodes, fifos, and setuid/setgid files. Restores refuse the whole archive.
 * A symlink's target is data (tar semantics; `access.log -> /dev/stdout` is normal in a volume): any
 * target is accepted, since extraction never writes or reads through a link (see extract.ts).
 */
export function unsafeReason(entry: EntryFacts): string | null {
  const raw = entry.path;
  if (posix.isAbsolute(raw)) return `absolute path ${raw}`;
  if (raw.split('/').includes('..')) return `path with .. ${raw}`;
  if (!ALLOWED_TYPES.has(entry.type))
    return `${entry.type} entry ${raw} (only files, directories and links are restored)`;
  if (entry.type !== 'Directory' && ((entry.mode ?? 0) & 0o6000) !== 0) {
    return `setuid/setgid bits on ${raw} (mode ${(entry.mode ?? 0).toString(8)})`;
  }
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    const target = entry.linkpath ?? '';
    if (target === '') return `${entry.type} ${raw} without a target`;
    // A hard link names a path in the archive, from its root.
    if (entry.type === 'Link' && (posix.isAbsolute(target) || escapes(posix.normalize(target))))
      return `hard link ${raw} -> ${target} points outside the volume`;
  }
  return null;
}
