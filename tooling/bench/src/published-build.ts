import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The workspace packages the backup library needs at run time, in build order. */
const PACKAGES = ['core', 'backup'];

/**
 * Builds @phoenix-hydra/core and @phoenix-hydra/backup to JavaScript into `into/node_modules` with
 * their published `exports` (what `npm install @phoenix-hydra/backup` gives), linking their other
 * dependencies from the workspace; returns the backup package's entry file. Nothing is written into
 * the repository.
 */
export function buildPublished(repo: string, into: string): string {
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
  return join(modules, '@phoenix-hydra/backup/dist/index.js');
}
