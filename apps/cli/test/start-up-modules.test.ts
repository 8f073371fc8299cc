// What a start of the CLI loads before a command's own module: commander and the registrations, never the
// libraries (zod, yaml, execa, the stack model, diagnostics). `--version`, `--help` and the outer process of a
// command that re-runs itself inside `podman unshare` stop there, so each module loaded here is paid on every run.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const index = join(import.meta.dirname, '../src/index.ts');
// Records every module URL the process resolves, one a line, into RECORD_IMPORTS.
const hook = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({ resolve(specifier, context, next) {
  const resolved = next(specifier, context);
  appendFileSync(process.env.RECORD_IMPORTS, resolved.url + '\\n');
  return resolved;
} });`)}`;
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function modulesLoadedBy(args: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'phx-start-up-'));
  dirs.push(dir);
  const record = join(dir, 'imports.txt');
  await promisify(execFile)(process.execPath, ['--import', hook, index, ...args], {
    env: { ...process.env, RECORD_IMPORTS: record, NO_COLOR: '1' },
  });
  return [...new Set((await readFile(record, 'utf8')).split('\n').filter(Boolean))];
}

const LIBRARIES = /\/(zod|yaml|execa)@|\/packages\/(core|diagnostics|operations|backup|offsite)\//;
// The one library module a start may load: core's subpath with pnpm's INIT_CWD rule, node:path its only import.
const LEAF = /\/packages\/core\/src\/invoked-from\.ts$/;

describe('start-up', () => {
  it.each(['--version', 'backup create --help', 'restore --help'])(
    '%s loads commander and the registrations, no library',
    async (command) => {
      const loaded = await modulesLoadedBy(command.split(' '));
      expect(loaded.some((url) => url.includes('/commander@'))).toBe(true);
      expect(loaded.filter((url) => LIBRARIES.test(url) && !LEAF.test(url))).toEqual([]);
    },
  );
});
