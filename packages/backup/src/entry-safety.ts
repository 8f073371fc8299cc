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
 * Why an entry must not be restored, or null when it is safe: absolute paths, `..`, links that point
 * out of the tree, device nodes, fifos, and setuid/setgid files. Restores refuse the whole archive.
 */
export function unsafeReason(entry: EntryFacts): string | null {
  const raw = entry.path;
  if (posix.isAbsolute(raw)) return `absolute path ${raw}`;
  if (raw.split('/').includes('..')) return `path with .. ${raw}`;
  if (!ALLOWED_TYPES.has(entry.type))
    return `${entry.type} entry ${raw} (only files, directories and links are restored)`;
  const path = normalizeEntryPath(raw);
  if (entry.type !== 'Directory' && ((entry.mode ?? 0) & 0o6000) !== 0) {
    return `setuid/setgid bits on ${raw} (mode ${(entry.mode ?? 0).toString(8)})`;
  }
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    const target = entry.linkpath ?? '';
    if (target === '') return `${entry.type} ${raw} without a target`;
    if (posix.isAbsolute(target)) return `link ${raw} -> ${target} points outside the volume`;
    // Symlinks resolve from their own directory, hard links from the archive root.
    const base = entry.type === 'SymbolicLink' ? posix.dirname(path) : '.';
    const resolved = posix.normalize(posix.join(base, target));
    if (escapes(resolved)) return `link ${raw} -> ${target} points outside the volume`;
  }
  return null;
}
