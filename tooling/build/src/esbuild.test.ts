import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { inlineBackupVersion, NODE_BUNDLE, REQUIRE_BANNER } from './esbuild.ts';

const backup = join(import.meta.dirname, '../../../packages/backup');

describe('the shared bundle settings', () => {
  it("write backup's version into the bundle instead of reading a package.json beside it", async () => {
    const { version } = JSON.parse(await readFile(join(backup, 'package.json'), 'utf8')) as {
      version: string;
    };
    const result = await build({
      ...NODE_BUNDLE,
      stdin: {
        contents: "export { toolVersion } from './src/version.ts';",
        resolveDir: backup,
        loader: 'ts',
      },
      outfile: join(backup, 'bundle.mjs'),
      write: false,
      banner: { js: REQUIRE_BANNER },
      plugins: [inlineBackupVersion],
    });
    const text = result.outputFiles.find((f) => f.path.endsWith('bundle.mjs'))?.text ?? '';
    expect(text).toContain(JSON.stringify(version));
    expect(text).not.toMatch(/package\.json|readFileSync/);
    // Run from a directory with no package.json, as an installed bundle is.
    const dir = await mkdtemp(join(tmpdir(), 'phx-bundle-'));
    try {
      await writeFile(join(dir, 'bundle.mjs'), text);
      const bundled = await import(pathToFileURL(join(dir, 'bundle.mjs')).href);
      expect(bundled.toolVersion).toBe(version);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
