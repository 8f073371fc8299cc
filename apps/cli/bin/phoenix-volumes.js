#!/usr/bin/env node
// Runs the TypeScript sources directly: needs a Node that strips types (22.18+, 23.6+, 24).
if (!process.features.typescript) {
  process.stderr.write(
    `phoenix-volumes: Node ${process.versions.node} cannot run TypeScript sources.\n` +
      'hint: run it through pnpm (`pnpm phoenix-volumes ...`), which uses the bundled Node 24, or install Node >= 22.18\n',
  );
  process.exit(2);
}
// Before any TypeScript loads: later runs reuse the compiled modules (see src/compile-cache.js).
const { useCompileCache } = await import('../src/compile-cache.js');
useCompileCache();
await import('../src/index.ts');
