// Plain JavaScript on purpose: the bin loads it before any TypeScript, so that with a warm cache Node never
// loads its TypeScript stripper at all (that alone costs ~0.1 s and ~20 MB per run).
import { lstatSync, mkdirSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * `${XDG_CACHE_HOME:-$HOME/.cache}/phoenix-hydra/node-compile-cache`: where Node keeps the compiled (and
 * type-stripped) modules of the CLI between runs. Deleting it is always safe.
 * @param {NodeJS.ProcessEnv} env
 * @returns {string}
 */
export function compileCacheDir(env = process.env) {
  const xdg = env.XDG_CACHE_HOME;
  const cacheHome = xdg !== undefined && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache');
  return join(cacheHome, 'phoenix-hydra', 'node-compile-cache');
}

/**
 * Turns on Node's module compile cache in compileCacheDir(), created 0700, and only when that directory and
 * its parent are the user's own and writable by nobody else: another user who could write there could make
 * this process run their code. Never fails: without a usable directory the CLI only starts slower.
 * Returns the directory in use, or undefined.
 * @param {NodeJS.ProcessEnv} env
 * @returns {string | undefined}
 */
export function useCompileCache(env = process.env) {
  // NODE_COMPILE_CACHE (the user's own choice) already enabled it, NODE_DISABLE_COMPILE_CACHE turns it off;
  // Node < 22.1 has no such API.
  if (
    typeof module.enableCompileCache !== 'function' ||
    module.getCompileCacheDir?.() !== undefined ||
    env.NODE_DISABLE_COMPILE_CACHE
  ) {
    return undefined;
  }
  try {
    const dir = compileCacheDir(env);
    const parent = join(dir, '..');
    // One level at a time, never recursive: a missing home directory (HOME=/nonexistent) is not created.
    for (const path of [join(parent, '..'), parent, dir]) mkdirOwn(path);
    if (!isPrivate(parent) || !isPrivate(dir)) return undefined;
    const result = module.enableCompileCache(dir);
    return result.status === module.constants.compileCacheStatus.ENABLED ? result.directory : undefined;
  } catch {
    return undefined;
  }
}

/** @param {string} path */
function mkdirOwn(path) {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
  }
}

/**
 * A real directory (not a symlink), owned by this process's user, writable by no one else.
 * @param {string} path
 */
function isPrivate(path) {
  const st = lstatSync(path);
  return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
}
