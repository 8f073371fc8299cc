import { basename } from 'node:path';
import { PhoenixError } from '@phoenix-hydra/errors';
import type { Env } from './interpolate.ts';

/** Compose's rule for a project name given explicitly (-p, COMPOSE_PROJECT_NAME, name:). */
export const PROJECT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

/** The project of the built-in stack and of the original design. */
export const DEFAULT_PROJECT = 'phoenix-hydra';

/** Where the project name came from, reported so `config` can explain it. */
export type ProjectSource = 'option' | 'env' | 'compose-name' | 'x-phoenix' | 'directory' | 'default';

/** Normalises a directory name as compose does: lowercase, characters outside [a-z0-9_-] dropped. */
export function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

/** Every place a project name can come from; absent ones are undefined. */
export interface ProjectNameInput {
  option?: string | undefined;
  env: Env;
  composeName?: string | undefined;
  xPhoenixProject?: string | undefined;
  /** Real directory of the compose file; undefined for the built-in stack. */
  composeDir?: string | undefined;
}

function check(name: string, where: string, code: 'USAGE' | 'COMPOSE_INVALID', fix: string): string {
  if (PROJECT_NAME_PATTERN.test(name)) return name;
  throw new PhoenixError(code, `invalid project name "${name}" from ${where}`, {
    hint: `${fix} to lowercase letters, digits, "_" and "-", starting with a letter or digit`,
    details: { project: name },
  });
}

/**
 * The project name, chosen exactly as podman-compose chooses it so that the named volumes
 * (`<project>_<volume>`) setup prepares are the ones podman-compose reuses:
 *   1. the `project` option (podman-compose -p)
 *   2. COMPOSE_PROJECT_NAME from the environment or the .env file
 *   3. the compose file's `name:`
 *   4. x-phoenix.project (podman-compose ignores it, so a warning says to use `name:` instead)
 *   5. the compose file's directory name, normalised (the design's file in ~/phoenix-hydra → phoenix-hydra)
 * The built-in stack (no compose file) uses 1, 2, then `phoenix-hydra`.
 * Explicit names that compose would reject are errors rather than silently normalised.
 */
export function resolveProjectName(input: ProjectNameInput): {
  project: string;
  source: ProjectSource;
  warnings: string[];
} {
  const { option, env, composeName, xPhoenixProject, composeDir } = input;
  if (option !== undefined && option !== '') {
    return {
      project: check(option, '--project', 'USAGE', 'change --project'),
      source: 'option',
      warnings: [],
    };
  }
  const fromEnv = env.COMPOSE_PROJECT_NAME;
  if (fromEnv !== undefined && fromEnv !== '') {
    const project = check(fromEnv, 'COMPOSE_PROJECT_NAME', 'USAGE', 'change COMPOSE_PROJECT_NAME');
    return { project, source: 'env', warnings: [] };
  }
  if (composeDir === undefined) return { project: DEFAULT_PROJECT, source: 'default', warnings: [] };
  if (composeName !== undefined && composeName !== '') {
    const project = check(composeName, 'name: in the compose file', 'COMPOSE_INVALID', 'change name:');
    return { project, source: 'compose-name', warnings: [] };
  }
  const fromDirectory = normalizeProjectName(basename(composeDir));
  if (xPhoenixProject !== undefined) {
    const project = check(
      xPhoenixProject,
      'x-phoenix.project',
      'COMPOSE_INVALID',
      'change x-phoenix.project',
    );
    const warnings =
      project === fromDirectory
        ? []
        : [
            `x-phoenix.project "${project}" is not seen by podman-compose, which will use "${fromDirectory}"; ` +
              `add name: ${project} at the top of the compose file so both agree`,
          ];
    return { project, source: 'x-phoenix', warnings };
  }
  if (fromDirectory === '') {
    throw new PhoenixError('COMPOSE_INVALID', `cannot derive a project name from directory ${composeDir}`, {
      hint: 'add name: <project> at the top of the compose file, or pass --project',
    });
  }
  return { project: fromDirectory, source: 'directory', warnings: [] };
}
