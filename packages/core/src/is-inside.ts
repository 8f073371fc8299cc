import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * Whether resolve() would return `path` unchanged: absolute, no empty, "." or ".." segment, no trailing
 * "/" (any segment starting with "." is left to resolve). Lets hot paths skip resolve().
 */
export const isNormal = (path: string): boolean =>
  path.startsWith('/') &&
  !path.includes('//') &&
  !path.includes('/.') &&
  (path === '/' || !path.endsWith('/'));

/** True when `path` is strictly below `base`; compares path segments, so /a/bc is not inside /a/b. */
export function isInside(base: string, path: string): boolean {
  // Normal paths need no resolve() and relative() (config on 2,000 volumes calls this ~10,000 times).
  if (isNormal(base) && isNormal(path))
    return base === '/' ? path !== '/' : path.length > base.length + 1 && path.startsWith(`${base}/`);
  const rel = relative(resolve(base), resolve(path));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** True when the two paths are the same directory or one contains the other. */
export function pathsOverlap(a: string, b: string): boolean {
  return resolve(a) === resolve(b) || isInside(a, b) || isInside(b, a);
}
