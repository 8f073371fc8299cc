import { isAbsolute, relative, resolve, sep } from 'node:path';

/** True when `path` is strictly below `base`; compares path segments, so /a/bc is not inside /a/b. */
export function isInside(base: string, path: string): boolean {
  const rel = relative(resolve(base), resolve(path));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** True when the two paths are the same directory or one contains the other. */
export function pathsOverlap(a: string, b: string): boolean {
  return resolve(a) === resolve(b) || isInside(a, b) || isInside(b, a);
}
