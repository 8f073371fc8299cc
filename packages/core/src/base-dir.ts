import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { expandHome } from './expand-home.ts';
import type { Env } from './interpolate.ts';
import { isInside, isNormal } from './is-inside.ts';

/** Where the base directory came from, reported so `config` can explain it. */
export type BaseDirSource = 'option' | 'x-phoenix' | 'env' | 'devices' | 'default';

/** The home directory as the given environment sees it (so tests can inject one). */
export function homeOf(env: Env): string {
  return env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
}

/** `${XDG_DATA_HOME:-$HOME/.local/share}/<project>`; a relative XDG_DATA_HOME is ignored, per the XDG spec. */
export function defaultBaseDir(env: Env, project: string): string {
  const xdg = env.XDG_DATA_HOME;
  const dataHome = xdg !== undefined && isAbsolute(xdg) ? xdg : join(homeOf(env), '.local', 'share');
  return join(dataHome, project);
}

/** Deepest directory containing the parents of all paths; undefined for an empty list. */
export function commonParent(paths: readonly string[]): string | undefined {
  const parents = paths.map((path) => dirname(isNormal(path) ? path : resolve(path)).split(sep));
  const [first, ...rest] = parents;
  if (first === undefined) return undefined;
  let length = first.length;
  for (const parts of rest) {
    let same = 0;
    while (same < Math.min(length, parts.length) && parts[same] === first[same]) same += 1;
    length = same;
  }
  return first.slice(0, length).join(sep) || sep;
}

/** A base directory must be specific to the stack: not /, not a top-level directory, not $HOME or above. */
function isSpecific(dir: string, home: string): boolean {
  const depth = dir.split(sep).filter((part) => part !== '').length;
  return depth >= 2 && resolve(dir) !== resolve(home) && !isInside(dir, home);
}

/** Every place a base directory can come from, plus what relative paths resolve against. */
export interface BaseDirInput {
  option?: string | undefined;
  xPhoenixBaseDir?: string | undefined;
  env: Env;
  /** Absolute host paths of the stack's bind devices (external volumes excluded). */
  devices: readonly string[];
  project: string;
  cwd: string;
  /** Directory of the compose file, against which x-phoenix.baseDir resolves. */
  composeDir?: string | undefined;
}

/**
 * The base directory every non-external volume must live in:
 *   1. the `baseDir` option (relative to cwd)
 *   2. x-phoenix.baseDir in the compose file (relative to the compose file)
 *   3. PHOENIX_BASE_DIR from the environment (relative to cwd)
 *   4. the common parent of the bind devices, when it is specific to the stack (the design's devices
 *      under ~/.local/share/phoenix-hydra give that directory; /, /srv or $HOME are never chosen)
 *   5. ${XDG_DATA_HOME:-$HOME/.local/share}/<project>
 * `~` is expanded everywhere.
 */
export function resolveBaseDir(input: BaseDirInput): { baseDir: string; source: BaseDirSource } {
  const { option, xPhoenixBaseDir, env, devices, project, cwd, composeDir } = input;
  const home = homeOf(env);
  const absolute = (path: string, from: string) => resolve(from, expandHome(path, home));
  if (option !== undefined && option !== '') return { baseDir: absolute(option, cwd), source: 'option' };
  if (xPhoenixBaseDir !== undefined) {
    return { baseDir: absolute(xPhoenixBaseDir, composeDir ?? cwd), source: 'x-phoenix' };
  }
  const fromEnv = env.PHOENIX_BASE_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return { baseDir: absolute(fromEnv, cwd), source: 'env' };
  const parent = commonParent(devices);
  if (parent !== undefined && isSpecific(parent, home)) return { baseDir: parent, source: 'devices' };
  return { baseDir: defaultBaseDir(env, project), source: 'default' };
}
