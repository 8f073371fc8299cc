// Bundles the CLI into dist/ (`pnpm --filter @phoenix-hydra/cli build`; `pnpm setup-cli` runs it): one start
// file plus a chunk per command, so a start parses one file instead of ~500 modules and a command loads only
// its own code (backup create: no doctor, nginx or usage). bin/phoenix-volumes.js runs it while it is newer
// than every file it was built from (dist/inputs.json), else the TypeScript sources.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { inlineBackupVersion, NODE_BUNDLE, REQUIRE_BANNER } from '@phoenix-hydra/build/esbuild';
import { build, type Metafile, type Plugin } from 'esbuild';

const HERE = import.meta.dirname;
const ROOT = join(HERE, '..', '..');

/** The start file bin/phoenix-volumes.js imports, and the namespace helpers `podman unshare` runs by path. */
export const ENTRY = 'phoenix-volumes.js';
const NS_MAINS = {
  'ns-main-diagnostics': join(ROOT, 'packages/diagnostics/src/userns/ns-main.ts'),
  'ns-main-operations': join(ROOT, 'packages/operations/src/userns/ns-main.ts'),
};

// diagnostics and operations each run their own ns-main beside the module (`./ns-main.ts` in the sources):
// in dist both would be `./ns-main.js`, so each points at its own bundled entry instead.
const nsMainPerPackage: Plugin = {
  name: 'ns-main-per-package',
  setup(b) {
    b.onLoad(
      { filter: /[\\/](diagnostics|operations)[\\/]src[\\/]userns[\\/]run-in-namespace\.ts$/ },
      async (args) => {
        const pkg = /[\\/](diagnostics|operations)[\\/]src[\\/]/.exec(args.path)?.[1];
        const source = await readFile(args.path, 'utf8');
        const pattern =
          /new URL\(`\.\/ns-main\$\{extname\(fileURLToPath\(import\.meta\.url\)\)\}`, import\.meta\.url\)/;
        if (!pattern.test(source))
          throw new Error(`${args.path}: ns-main is no longer named as build.ts expects`);
        return {
          contents: source.replace(pattern, `new URL('./ns-main-${pkg}.js', import.meta.url)`),
          loader: 'ts',
        };
      },
    );
  },
};

/** Builds the CLI into `outdir`; returns esbuild's metafile (what each output holds). */
export async function buildCli(outdir: string): Promise<Metafile> {
  const started = Date.now();
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    // launch: what the bin loads first (a rootless namespace command starts the CLI inside podman unshare).
    entryPoints: {
      'phoenix-volumes': join(HERE, 'src', 'index.ts'),
      launch: join(HERE, 'src', 'launch.ts'),
      ...NS_MAINS,
    },
    ...NODE_BUNDLE,
    outdir,
    splitting: true,
    // Flat: the sources' `../bin/phoenix-volumes.js` and `./ns-main-*.js` resolve from every chunk alike.
    chunkNames: '[name]-[hash]',
    plugins: [inlineBackupVersion, nsMainPerPackage],
    banner: { js: REQUIRE_BANNER },
    logLevel: 'warning',
  });
  // What bin/phoenix-volumes.js compares with: the build's start time and every source file, from the repository root.
  const inputs = Object.keys(result.metafile.inputs).map((input) =>
    relative(ROOT, join(process.cwd(), input)),
  );
  await writeFile(
    join(outdir, 'inputs.json'),
    `${JSON.stringify({ builtAt: started, root: relative(outdir, ROOT), inputs })}\n`,
  );
  return result.metafile;
}

if (import.meta.main) {
  const outdir = join(HERE, 'dist');
  const metafile = await buildCli(outdir);
  const bytes = Object.values(metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  process.stdout.write(
    `wrote ${outdir} (${(bytes / 1024).toFixed(0)} KiB in ${Object.keys(metafile.outputs).length} files)\n`,
  );
}
