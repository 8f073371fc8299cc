#!/usr/bin/env node
// Runs the TypeScript sources directly: needs a Node that strips types (22.18+, 23.6+, 24).
// `pnpm --filter @phoenix-hydra/agent build` makes dist/phoenix-volumes-agent.mjs, which needs only Node.
if (!process.features.typescript) {
  process.stderr.write(
    `phoenix-volumes-agent: Node ${process.versions.node} cannot run TypeScript sources.\n` +
      'hint: run it through pnpm (`pnpm phoenix-volumes-agent ...`), which uses the bundled Node 24, install Node >= 22.18, or run the bundle dist/phoenix-volumes-agent.mjs\n',
  );
  process.exit(2);
}
await import('../src/index.ts');
