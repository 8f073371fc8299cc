import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The workspace packages the library cases load (backup; diagnostics for the usage scan) and everything
 * they depend on, in build order. A package missing here fails the bench with ERR_MODULE_NOT_FOUND.
 */
const PACKAGES = ['errors', 'core', 'podman-adapter', 'backup', 'diagnostics'];

/**
 * Builds the libraries to JavaScript into `into/node_modules` with their published `exports` (what
 * `npm install @phoenix-hydra/backup` gives), linking their other dependencies from the workspace;
 * returns the entry files of the backup and diagnostics packages. Nothing is written into the
 * repository.
 */
export function buildPublished(repo: string, into: string): { backup: string; diagnostics: string } {
  const modules = join(into, 'node_modules');
  const linked = new Set<string>();
  for (const name of PACKAGES) {
    const source = join(repo, 'packages', name);
    const target = join(modules, '@phoenix-hydra', name);
    execFileSync(join(repo, 'node_modules/.bin/tsc'), [
      '-p',
      join(source, 'tsconfig.build.json'),
      '--outDir',
      join(target, 'dist'),
      '--declaration',
      'false',
      '--sourceMap',
      'false',
    ]);
    const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));
    writeFileSync(
      join(target, 'package.json'),
      JSON.stringify({ ...manifest, exports: manifest.publishConfig?.exports ?? manifest.exports }),
    );
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      if (dependency.startsWith('@phoenix-hydra/') || linked.has(dependency)) continue;
      linked.add(dependency);
      const link = join(modules, dependency);
      mkdirSync(join(link, '..'), { recursive: true });
      symlinkSync(realpathSync(join(source, 'node_modules', dependency)), link);
    }
  }
  return {
    backup: join(modules, '@phoenix-hydra/backup/dist/index.js'),
    diagnostics: join(modules, '@phoenix-hydra/diagnostics/dist/index.js'),
  };
}
