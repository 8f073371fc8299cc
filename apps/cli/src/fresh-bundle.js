// Plain JavaScript, like compile-cache.js: the bin decides with it whether any TypeScript loads at all.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The bundle's start file (dist/phoenix-volumes.js, written by build.ts) when it is newer than every file it
 * was built from and has the launcher the bin loads first (dist/launch.js), else undefined: after a `git pull` or an edit the CLI runs its sources until the next
 * `pnpm setup-cli` (or `pnpm --filter @phoenix-hydra/cli build`), never stale code. PHOENIX_VOLUMES_SOURCES=1
 * always runs the sources. Costs one stat per source file (~1 ms).
 * @param {string} dist the bundle's directory
 * @param {NodeJS.ProcessEnv} env
 * @returns {string | undefined}
 */
export function freshBundle(dist, env = process.env) {
  if (env.PHOENIX_VOLUMES_SOURCES) return undefined;
  try {
    const { builtAt, root, inputs } = JSON.parse(readFileSync(join(dist, 'inputs.json'), 'utf8'));
    const base = join(dist, root);
    for (const input of inputs) {
      if (statSync(join(base, input)).mtimeMs >= builtAt) return undefined;
    }
    // A bundle built before the bin loaded dist/launch.js has none: the sources run until the next build.
    statSync(join(dist, 'launch.js'));
    return join(dist, 'phoenix-volumes.js');
  } catch {
    return undefined; // no bundle, or a source file it was built from is gone
  }
}
