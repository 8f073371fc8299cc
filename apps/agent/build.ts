// Bundles the agent into one ES module, dist/phoenix-volumes-agent.mjs, so a host needs only Node (22.15+):
// no pnpm install, no TypeScript. `pnpm --filter @phoenix-hydra/agent build`, or `node build.ts --outfile F`.
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { inlineBackupVersion, NODE_BUNDLE, REQUIRE_BANNER } from '@phoenix-hydra/build/esbuild';
import { build } from 'esbuild';

const { values } = parseArgs({ options: { outfile: { type: 'string' } } });
const outfile = values.outfile ?? join(import.meta.dirname, 'dist', 'phoenix-volumes-agent.mjs');

const result = await build({
  entryPoints: [join(import.meta.dirname, 'src', 'index.ts')],
  ...NODE_BUNDLE,
  outfile,
  plugins: [inlineBackupVersion],
  banner: { js: `#!/usr/bin/env node\n${REQUIRE_BANNER}` },
  logLevel: 'warning',
});
await chmod(outfile, 0o755);
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
process.stdout.write(`wrote ${outfile} (${(bytes / 1024).toFixed(0)} KiB)\n`);
