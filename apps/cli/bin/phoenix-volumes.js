#!/usr/bin/env node
// Runs the bundle (dist/, see build.ts) while it is up to date with the sources, else the TypeScript sources
// directly: those need a Node that strips types (22.18+, 23.6+, 24).
const { freshBundle } = await import('../src/fresh-bundle.js');
const bundle = freshBundle(new URL('../dist', import.meta.url).pathname);
if (bundle === undefined && !process.features.typescript) {
  process.stderr.write(
    `phoenix-volumes: Node ${process.versions.node} cannot run TypeScript sources.\n` +
      'hint: run it through pnpm (`pnpm phoenix-volumes ...`), which uses the bundled Node 24, or install Node >= 22.18\n',
  );
  process.exit(2);
}
// Before any module of the CLI loads: later runs reuse the compiled modules (see src/compile-cache.js).
const { useCompileCache } = await import('../src/compile-cache.js');
useCompileCache();
// A rootless backup create, restore or cleanup runs the CLI once, inside podman unshare: this process then
// loads only the launcher, waits and passes SIGINT/SIGTERM on (see src/launch.ts).
const { launchInUserNamespace } = await import(
  bundle === undefined ? '../src/launch.ts' : new URL('../dist/launch.js', import.meta.url).href
);
const code = await launchInUserNamespace(process.argv.slice(2));
if (code === undefined) await import(bundle ?? '../src/index.ts');
else process.exitCode = code;
