import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHelperScript } from '../test/run-script.ts';
import { HELPER_SCRIPT, helperArguments, parseHelperOutput } from './helper-files.ts';
import type { VolumeFileOp } from './volume-files.ts';

const HOSTILE = 'old conf\n$(touch pwned) `touch pwned2`; -rf *';

let root = '';
let outside = '';
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'phx-rename-'));
  outside = await mkdtemp(join(tmpdir(), 'phx-outside-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

/** The helper's fixed script with the real sh, on a local directory standing for the volume. */
function runScript(ops: readonly VolumeFileOp[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const { args, stdin } = helperArguments(ops);
  return runHelperScript(HELPER_SCRIPT, root, args, stdin);
}

const exists = (p: string) =>
  lstat(p).then(
    () => true,
    () => false,
  );

describe('rename and remove in the helper script', () => {
  it('renames a hostile name literally and refuses to move over an existing path', async () => {
    await mkdir(join(root, HOSTILE));
    await writeFile(join(root, HOSTILE, 'default.conf'), 'old');
    await writeFile(join(root, 'taken'), 'keep me');
    const ops: VolumeFileOp[] = [{ op: 'rename', path: HOSTILE, to: `${HOSTILE}.old` }];
    const r = await runScript(ops);
    expect(r.code, r.stderr).toBe(0);
    expect(parseHelperOutput(ops, r.stdout, r.stderr)).toEqual([{ op: 'rename', path: HOSTILE }]);
    expect(await readFile(join(root, `${HOSTILE}.old`, 'default.conf'), 'utf8')).toBe('old');
    expect(await exists(join(root, HOSTILE))).toBe(false);
    expect(await exists(join(root, 'pwned'))).toBe(false);

    const over: VolumeFileOp[] = [{ op: 'rename', path: `${HOSTILE}.old`, to: 'taken' }];
    const refused = await runScript(over);
    expect(refused.code).toBe(1);
    expect(() => parseHelperOutput(over, refused.stdout, refused.stderr)).toThrow(/rename .* failed/);
    expect(await readFile(join(root, 'taken'), 'utf8')).toBe('keep me');
  });

  it('removes a tree without following a link out of the volume', async () => {
    await writeFile(join(outside, 'precious'), 'data');
    await mkdir(join(root, 'logs'));
    await symlink(outside, join(root, 'logs', 'escape'));
    const ops: VolumeFileOp[] = [
      { op: 'remove', path: 'logs' },
      { op: 'remove', path: 'never-there' },
    ];
    const r = await runScript(ops);
    expect(r.code, r.stderr).toBe(0);
    expect(parseHelperOutput(ops, r.stdout, r.stderr)).toHaveLength(2);
    expect(await exists(join(root, 'logs'))).toBe(false);
    expect(await readFile(join(outside, 'precious'), 'utf8')).toBe('data');
  });

  it('never removes the volume root nor a path climbing out of it', () => {
    expect(() => helperArguments([{ op: 'remove', path: '' }])).toThrow(/volume root/);
    expect(() => helperArguments([{ op: 'remove', path: '../x' }])).toThrow(/not a path inside/);
    expect(() => helperArguments([{ op: 'rename', path: 'a', to: '/etc/passwd' }])).toThrow(
      /not a path inside/,
    );
    expect(helperArguments([{ op: 'rename', path: '-n', to: 'b' }]).args).toEqual(['rename', './-n', './b']);
  });
});
