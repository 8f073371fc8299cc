// Bundles the agent into one ES module, dist/phoenix-volumes-agent.mjs, so a host needs only Node (22.15+):
// no pnpm install, no TypeScript. `pnpm --filter @phoenix-hydra/agent build`, or `node build.ts --outfile F`.
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';

const { values } = parseArgs({ options: { outfile: { type: 'string' } } });
const outfile = values.outfile ?? join(import.meta.dirname, 'dist', 'phoenix-volumes-agent.mjs');

// @phoenix-hydra/backup reads its version from ../package.json at run time; in one file there is none.
const inlineBackupVersion: Plugin = {
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

const result = await build({
  entryPoints: [join(import.meta.dirname, 'src', 'index.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  legalComments: 'linked',
  metafile: true,
  plugins: [inlineBackupVersion],
  // CommonJS dependencies (pino, prom-client) call require() for Node's built-ins.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __phxCreateRequire } from 'node:module';\nconst require = __phxCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
await chmod(outfile, 0o755);
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
process.stdout.write(`wrote ${outfile} (${(bytes / 1024).toFixed(0)} KiB)\n`);
