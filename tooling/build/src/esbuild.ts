// What the CLI's and the agent's esbuild bundles share: Node ESM output, and @phoenix-hydra/backup's
// version written into the bundle (the package reads it from ../package.json, which a bundle has not).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';

/** Options every bundle of ours uses: one Node 22+ ES module output, minified, with its metafile. */
export const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  legalComments: 'linked',
  metafile: true,
} as const satisfies BuildOptions;

/** Lets CommonJS dependencies (yaml, pino, prom-client) call require() for Node's built-ins in an ES module. */
export const REQUIRE_BANNER =
  "import { createRequire as __phxCreateRequire } from 'node:module';const require = __phxCreateRequire(import.meta.url);";

/** Replaces backup's src/version.ts, which reads ../package.json at run time, with the version as a literal. */
export const inlineBackupVersion: Plugin = {
  name: 'inline-backup-version',
  setup(b) {
    b.onLoad({ filter: /[\\/]backup[\\/]src[\\/]version\.ts$/ }, async (args) => {
      const pkg = JSON.parse(await readFile(join(args.path, '../../package.json'), 'utf8')) as {
        version: string;
      };
      return { contents: `export const toolVersion = ${JSON.stringify(pkg.version)};`, loader: 'ts' };
    });
  },
};
