import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHelperScript } from '../test/run-script.ts';
import { TAR_IN_SCRIPT } from './helper-tar-in.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phx-helper-tar-in-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const HOSTILE = 'vol $(touch pwned) `touch pwned2`; "q"';

/** Runs the restore script with the real sh, as the container would, in `dir`. */
async function runScript(names: string[], tar: Buffer): Promise<{ stdout: string; code: number }> {
  const { stdout, code } = await runHelperScript(TAR_IN_SCRIPT, dir, names, tar);
  return { stdout, code };
}

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const src = await mkdtemp(join(tmpdir(), 'phx-src-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(src, name), text);
  const tar = execFileSync('tar', ['-c', '-f', '-', '-C', src, '.']);
  await rm(src, { recursive: true });
  return tar;
}

describe('the restore helper script', () => {
  it('extracts into staging and swaps it in, keeping the old data; names are data', async () => {
    await mkdir(join(dir, HOSTILE));
    await writeFile(join(dir, HOSTILE, 'old'), 'old');
    const r = await runScript(
      [HOSTILE, `${HOSTILE}.staging`, `${HOSTILE}.previous`],
      await tarOf({ new: 'new' }),
    );
    expect(r).toEqual({ stdout: 'swapped kept\n', code: 0 });
    expect(await readFile(join(dir, HOSTILE, 'new'), 'utf8')).toBe('new');
    expect(await readFile(join(dir, `${HOSTILE}.previous`, 'old'), 'utf8')).toBe('old');
    expect((await readdir(dir)).sort()).toEqual([HOSTILE, `${HOSTILE}.previous`].sort());
  });

  it('creates the directory when there was none', async () => {
    const r = await runScript(['v', 'v.s', 'v.p'], await tarOf({ a: 'a' }));
    expect(r).toEqual({ stdout: 'swapped new\n', code: 0 });
    expect(await readdir(dir)).toEqual(['v']);
  });

  it('changes nothing when the kept name is taken, and removes staging when tar fails', async () => {
    await mkdir(join(dir, 'v'));
    await mkdir(join(dir, 'v.p'));
    expect((await runScript(['v', 'v.s', 'v.p'], await tarOf({ a: 'a' }))).code).toBe(4);
    await rm(join(dir, 'v.p'), { recursive: true });
    expect(
      (await runScript(['v', 'v.s', 'v.p'], Buffer.from('not a tar archive at all'.repeat(40)))).code,
    ).toBe(6);
    expect(await readdir(dir)).toEqual(['v']);
  });
});
