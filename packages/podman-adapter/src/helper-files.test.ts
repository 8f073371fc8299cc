import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHelperScript } from '../test/run-script.ts';
import { HELPER_SCRIPT, helperArguments, helperRunArgs, parseHelperOutput } from './helper-files.ts';
import type { VolumeFileOp } from './volume-files.ts';

const HOSTILE = 'a dir\nwith $(touch pwned) `touch pwned2` ; rm -rf * "quotes" \'single\' -n';
const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

let root = '';
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'phx-helper-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs the helper's fixed script with the real sh, as the container would, on a local directory. */
function runScript(ops: readonly VolumeFileOp[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const { args, stdin } = helperArguments(ops);
  return runHelperScript(HELPER_SCRIPT, root, args, stdin);
}

describe('the helper script', () => {
  it('treats a hostile name as data: creates exactly that directory, with its mode, and runs nothing', async () => {
    const conf = new TextEncoder().encode('server { listen 80; }\n$(touch pwned3)\n');
    const second = new Uint8Array([0, 1, 2, 255, 10]);
    const ops: VolumeFileOp[] = [
      { op: 'stat', path: HOSTILE },
      { op: 'mkdir', path: HOSTILE, mode: 0o700 },
      {
        op: 'writeFile',
        path: `${HOSTILE}/default.conf`,
        bytes: conf,
        mode: 0o644,
        owner: me,
        noClobber: true,
      },
      { op: 'writeFile', path: `${HOSTILE}/bin`, bytes: second, mode: 0o600, owner: me },
      { op: 'chmod', path: HOSTILE, mode: 0o750 },
      { op: 'chown', path: HOSTILE, owner: me, recursive: true },
      { op: 'stat', path: HOSTILE },
      { op: 'stat', path: `${HOSTILE}/default.conf` },
    ];
    const r = await runScript(ops);
    expect(r.code, r.stderr).toBe(0);
    const results = parseHelperOutput(ops, r.stdout, r.stderr);
    expect(results[0]).toEqual({ op: 'stat', path: HOSTILE, stat: null });
    expect(results[2]).toEqual({ op: 'writeFile', path: `${HOSTILE}/default.conf`, written: true });
    expect(results[6]).toMatchObject({ stat: { type: 'directory', mode: 0o750, uid: me.uid, gid: me.gid } });
    expect(results[7]).toMatchObject({ stat: { type: 'file', mode: 0o644, size: conf.byteLength } });
    expect(await readdir(root)).toEqual([HOSTILE]);
    expect(await readFile(join(root, HOSTILE, 'default.conf'))).toEqual(Buffer.from(conf));
    expect(await readFile(join(root, HOSTILE, 'bin'))).toEqual(Buffer.from(second));
    expect((await lstat(join(root, HOSTILE, 'bin'))).mode & 0o7777).toBe(0o600);
  });

  it('keeps an existing file with noClobber and still reads its bytes, so the next write gets its own', async () => {
    await writeFile(join(root, 'default.conf'), 'mine\n');
    const ops: VolumeFileOp[] = [
      {
        op: 'writeFile',
        path: 'default.conf',
        bytes: Buffer.from('theirs\n'),
        mode: 0o644,
        owner: me,
        noClobber: true,
      },
      { op: 'writeFile', path: 'other.conf', bytes: Buffer.from('other\n'), mode: 0o644, owner: me },
    ];
    const r = await runScript(ops);
    expect(parseHelperOutput(ops, r.stdout, r.stderr).map((x) => 'written' in x && x.written)).toEqual([
      false,
      true,
    ]);
    expect(await readFile(join(root, 'default.conf'), 'utf8')).toBe('mine\n');
    expect(await readFile(join(root, 'other.conf'), 'utf8')).toBe('other\n');
  });

  it('stops at the first failure and names the operation and the reason', async () => {
    await mkdir(join(root, 'x'));
    const ops: VolumeFileOp[] = [
      { op: 'chmod', path: 'x', mode: 0o700 },
      { op: 'chmod', path: 'missing dir', mode: 0o700 },
      { op: 'mkdir', path: 'never', mode: 0o700 },
    ];
    const r = await runScript(ops);
    expect(r.code).toBe(1);
    expect(() => parseHelperOutput(ops, r.stdout, r.stderr)).toThrow(
      /^helper container: chmod "missing dir" failed: .*No such file/,
    );
    expect(await readdir(root)).toEqual(['x']);
  });
});

describe('helper arguments and output', () => {
  it('never lets a path climb out of the volume or pass as an option', () => {
    expect(() => helperArguments([{ op: 'stat', path: '../etc' }])).toThrow(/not a path inside the volume/);
    expect(() => helperArguments([{ op: 'stat', path: '/etc' }])).toThrow(/not a path inside the volume/);
    expect(
      helperArguments([
        { op: 'stat', path: '-rf' },
        { op: 'stat', path: '' },
      ]).args,
    ).toEqual(['stat', './-rf', 'stat', '.']);
  });

  it('runs the stack image as root, offline, never pulling, with the fixed script and the volume at /v', () => {
    const args = helperRunArgs({ source: 'proj_db_data', path: '/x', image: 'postgres:15' }, 'n', [
      'stat',
      '.',
    ]);
    expect(args.join(' ')).toMatch(
      /^run -i --name n --pull never --network none --user 0:0 --entrypoint sh .* --volume proj_db_data:\/v postgres:15 -c /,
    );
    expect(args.slice(-4)).toEqual(['sh', '/v', 'stat', '.']);
    expect(args.at(-5)).toBe(HELPER_SCRIPT);
  });

  it('refuses output the script cannot print, and a batch cut short', () => {
    const ops: VolumeFileOp[] = [
      { op: 'stat', path: 'a' },
      { op: 'stat', path: 'b' },
    ];
    expect(() => parseHelperOutput(ops, '0 missing\n')).toThrow(/stopped after 1 of 2/);
    expect(() => parseHelperOutput(ops, '0 missing\n1 ok\ndone\n')).toThrow(/answered ok to stat/);
    expect(() => parseHelperOutput(ops, 'a b\n')).toThrow(/unexpected helper output/);
  });
});
