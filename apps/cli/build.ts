// Bundles the CLI into dist/ (`pnpm --filter @phoenix-hydra/cli build`; `pnpm setup-cli` runs it): one start
// file plus a chunk per command, so a start parses one file instead of ~500 modules and a command loads only
// its own code (backup create: no doctor, nginx or usage). bin/phoenix-volumes.js runs it while it is newer
// than every file it was built from (dist/inputs.json), else the TypeScript sources.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

const HERE = import.meta.dirname;
const ROOT = join(HERE, '..', '..');

/** The start file bin/phoenix-volumes.js imports, and the namespace helpers `podman unshare` runs by path. */
export const ENTRY = 'phoenix-volumes.js';
const NS_MAINS = {
  'ns-main-diagnostics': join(ROOT, 'packages/diagnostics/src/userns/ns-main.ts'),
  'ns-main-operations': join(ROOT, 'packages/operations/src/userns/ns-main.ts'),
};

// @phoenix-hydra/backup reads its version from ../package.json at run time; a chunk has no such file beside it.
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
    entryPoints: { 'phoenix-volumes': join(HERE, 'src', 'index.ts'), ...NS_MAINS },
    outdir,
    bundle: true,
    splitting: true,
    // Flat: the sources' `../bin/phoenix-volumes.js` and `./ns-main-*.js` resolve from every chunk alike.
    chunkNames: '[name]-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    legalComments: 'linked',
    metafile: true,
    plugins: [inlineBackupVersion, nsMainPerPackage],
    // CommonJS dependencies (yaml) call require() for Node's built-ins.
    banner: {
      js: "import { createRequire as __phxCreateRequire } from 'node:module';const require = __phxCreateRequire(import.meta.url);",
    },
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
