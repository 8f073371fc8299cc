import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADOPT_SCRIPT, parseSums } from './remote-adopt.ts';

const exec = promisify(execFile);
let root = '';
let source = '';
let parent = '';

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'phx-adopt-remote-'));
  source = join(root, 's');
  parent = join(root, 'p');
  await mkdir(join(source, 'base', '1'), { recursive: true, mode: 0o700 });
  await writeFile(join(source, 'PG_VERSION'), '15\n', { mode: 0o600 });
  await writeFile(join(source, 'base', '1', 'a file; $(touch pwned)'), Buffer.alloc(5000, 7));
  await symlink('/etc/passwd', join(source, 'link'));
  await mkdir(parent);
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** The helper's script with the two mounts standing in as directories, as the helper container runs it. */
const script = (...args: string[]) =>
  exec('sh', ['-c', ADOPT_SCRIPT, 'sh', source, parent, ...args], { cwd: root });
const lines = (stdout: string) => stdout.split('\n').filter((l) => l !== '' && l !== 'done');

describe('the remote adopt helper script', () => {
  it('copies with modes kept and sums both trees equal: entries, bytes of files, one digest', async () => {
    const r = await script('copy', 'db_data.adopt-T1');
    expect(r.stdout.endsWith('done\n')).toBe(true);
    const [from, copy] = parseSums(lines(r.stdout));
    expect(from).toEqual(copy);
    expect(from).toMatchObject({ entries: 5, bytes: 5003 });
    expect((await exec('stat', ['-c', '%a', join(parent, 'db_data.adopt-T1', 'base')])).stdout.trim()).toBe(
      '700',
    );
    expect(await readdir(root)).not.toContain('pwned');
  });

  it('the sum changes with a mode, and summary sums the source alone', async () => {
    const [before] = parseSums(lines((await script('summary')).stdout));
    await chmod(join(source, 'PG_VERSION'), 0o644);
    const [after] = parseSums(lines((await script('summary')).stdout));
    expect(after?.entries).toBe(before?.entries);
    expect(after?.digest).not.toBe(before?.digest);
  });

  it('copy refuses a staging name that exists and leaves it alone', async () => {
    await mkdir(join(parent, 'taken'));
    await writeFile(join(parent, 'taken', 'x'), 'mine');
    await expect(script('copy', 'taken')).rejects.toMatchObject({ code: 4 });
    expect(await readFile(join(parent, 'taken', 'x'), 'utf8')).toBe('mine');
  });

  it('state says missing, empty or full', async () => {
    expect(lines((await script('state', 'db_data')).stdout)).toEqual(['missing']);
    await mkdir(join(parent, 'db_data'));
    expect(lines((await script('state', 'db_data')).stdout)).toEqual(['empty']);
    await writeFile(join(parent, 'db_data', '.hidden'), '');
    expect(lines((await script('state', 'db_data')).stdout)).toEqual(['full']);
  });

  it('swap puts the copy in place of the empty directory and removes the empty one', async () => {
    await mkdir(join(parent, 'db_data'));
    await mkdir(join(parent, 'db_data.adopt-T2'));
    await writeFile(join(parent, 'db_data.adopt-T2', 'PG_VERSION'), '15\n');
    await script('swap', 'db_data', 'db_data.adopt-T2', 'db_data.pre-adopt-T2');
    expect((await readdir(parent)).sort()).toEqual(['db_data']);
    expect(await readFile(join(parent, 'db_data', 'PG_VERSION'), 'utf8')).toBe('15\n');
  });

  it('keep copies the old data once under its name, never over an existing one', async () => {
    expect(lines((await script('keep', 'db_data.podman-volume-T3')).stdout)).toEqual(['kept']);
    expect((await readdir(join(parent, 'db_data.podman-volume-T3'))).sort()).toEqual([
      'PG_VERSION',
      'base',
      'link',
    ]);
    expect(lines((await script('keep', 'db_data.podman-volume-T3')).stdout)).toEqual([]);
    expect(await readdir(parent)).toEqual(['db_data.podman-volume-T3']);
  });

  it('drop removes a staging copy, links removed and not followed', async () => {
    await script('copy', 'db_data.adopt-T4');
    await script('drop', 'db_data.adopt-T4');
    expect(await readdir(parent)).toEqual([]);
    expect((await readFile('/etc/passwd', 'utf8')).length).toBeGreaterThan(0);
  });
});
