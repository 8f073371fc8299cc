// The bundle bin/phoenix-volumes.js runs (build.ts): a command loads only its own code, and a bundle older than
// any of its sources is never run.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../build.ts';
import { freshBundle } from '../src/fresh-bundle.js';

let dir = '';
let meta: Metafile;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phx-bundle-'));
  meta = await buildCli(join(dir, 'dist'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The source files in an output and every output it imports statically: what loads with it. */
function loadedWith(output: string, seen = new Set<string>()): string[] {
  if (!seen.has(output)) {
    seen.add(output);
    for (const i of meta.outputs[output]?.imports ?? [])
      if (i.kind === 'import-statement' && meta.outputs[i.path]) loadedWith(i.path, seen);
  }
  return [...seen].flatMap((o) => Object.keys(meta.outputs[o]?.inputs ?? {}));
}

describe('the CLI bundle', () => {
  it('backup create loads no doctor, nginx or usage report code', () => {
    const create = Object.keys(meta.outputs).find((o) => /\/backup-create-\w+\.js$/.test(o));
    expect(create).toBeDefined();
    const sources = loadedWith(create as string);
    expect(sources.some((s) => s.endsWith('commands/backup-create.ts'))).toBe(true);
    expect(
      sources
        .filter((s) => /diagnostics\/src\/(doctor|nginx)\/|operations\/src\/nginx|report-usage/.test(s))
        // The names of the copies nginx deploy keeps, which archives leave out (6 lines, no imports).
        .filter((s) => !s.endsWith('operations/src/nginx/kept-copies.ts')),
    ).toEqual([]);
  });

  it('runs: --version from the bundle', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(dir, 'dist', 'phoenix-volumes.js'),
      '--version',
    ]);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('is run only while no source it was built from is newer', async () => {
    const dist = join(dir, 'fake-dist');
    const source = join(dir, 'source.ts');
    await writeFile(source, '');
    const builtAt = Date.now();
    await rm(dist, { recursive: true, force: true });
    await mkdir(dist);
    await writeFile(
      join(dist, 'inputs.json'),
      JSON.stringify({ builtAt, root: '..', inputs: ['source.ts'] }),
    );
    await utimes(source, new Date(builtAt - 10_000), new Date(builtAt - 10_000));
    // Built before the bin loaded a launcher first: no dist/launch.js, the sources run.
    expect(freshBundle(dist, {})).toBeUndefined();
    await writeFile(join(dist, 'launch.js'), '');
    expect(freshBundle(dist, {})).toBe(join(dist, 'phoenix-volumes.js'));
    expect(freshBundle(dist, { PHOENIX_VOLUMES_SOURCES: '1' })).toBeUndefined();
    await utimes(source, new Date(), new Date(builtAt + 1_000)); // edited, or changed by git pull, after the build
    expect(freshBundle(dist, {})).toBeUndefined();
    await rm(source);
    expect(freshBundle(dist, {})).toBeUndefined();
  });
});
