import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEPLOY_SCRIPT, stagedOps } from './deploy-remote.ts';

const exec = promisify(execFile);
let root = '';
let volume = '';

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'phx-deploy-remote-'));
  volume = join(root, 'v');
  await mkdir(volume);
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** The helper's script on a directory standing for the volume, as the helper container runs it. */
const script = (...args: string[]) => exec('sh', ['-c', DEPLOY_SCRIPT, 'sh', volume, ...args]);
const ls = async (dir = volume) => (await readdir(dir)).sort();

describe('the remote deploy helper script', () => {
  it('back swaps the previous configuration in and keeps the refused one, links moved as links', async () => {
    await writeFile(join(volume, 'new.conf'), 'new');
    await symlink('/etc/passwd', join(volume, 'evil.conf'));
    await mkdir(join(volume, '.phoenix-previous-T1'));
    await writeFile(join(volume, '.phoenix-previous-T1', 'old.conf'), 'old');
    const r = await script('back', '.phoenix-previous-T1', '.phoenix-failed-T1');
    expect(r.stdout).toBe('ok\n');
    expect(await ls()).toEqual(['.phoenix-failed-T1', 'old.conf']);
    expect(await ls(join(volume, '.phoenix-failed-T1'))).toEqual(['evil.conf', 'new.conf']);
    expect(await readlink(join(volume, '.phoenix-failed-T1', 'evil.conf'))).toBe('/etc/passwd');
  });

  it('recover undoes a swap killed while the live files were moving out (phase 1)', async () => {
    await mkdir(join(volume, '.phoenix-staging-T2'));
    await writeFile(join(volume, '.phoenix-staging-T2', 'new.conf'), 'new');
    await mkdir(join(volume, '.phoenix-previous-T2'));
    await writeFile(join(volume, '.phoenix-previous-T2', 'a.conf'), 'old a');
    await writeFile(join(volume, 'b.conf'), 'old b');
    await writeFile(join(volume, '.phoenix-swap'), '1 .phoenix-staging-T2 .phoenix-previous-T2\n');
    const r = await script('recover');
    expect(r.stdout).toBe('recovered undid\nok\n');
    expect(await ls()).toEqual(['.phoenix-staging-T2', 'a.conf', 'b.conf']);
  });

  it('recover finishes a swap killed while the new files were moving in (phase 2); a second run does nothing', async () => {
    await mkdir(join(volume, '.phoenix-staging-T3'));
    await writeFile(join(volume, '.phoenix-staging-T3', 'b.conf'), 'new b');
    await writeFile(join(volume, 'a.conf'), 'new a');
    await mkdir(join(volume, '.phoenix-previous-T3'));
    await writeFile(join(volume, '.phoenix-previous-T3', 'a.conf'), 'old a');
    await writeFile(join(volume, '.phoenix-swap'), '2 .phoenix-staging-T3 .phoenix-previous-T3\n');
    expect((await script('recover')).stdout).toBe('recovered finished\nok\n');
    expect(await ls()).toEqual(['.phoenix-previous-T3', 'a.conf', 'b.conf']);
    expect(await readFile(join(volume, 'b.conf'), 'utf8')).toBe('new b');
    expect((await script('recover')).stdout).toBe('ok\n');
  });

  it('refuses a journal naming anything but its own directories', async () => {
    await writeFile(join(volume, '.phoenix-swap'), '2 ../../etc x\n');
    await expect(script('recover')).rejects.toMatchObject({ stderr: expect.stringMatching(/bad journal/) });
  });
});

describe('stagedOps', () => {
  it('writes directories 0755 and files 0644 owned by root, and refuses a link', async () => {
    await mkdir(join(root, 'c', 'snippets'), { recursive: true });
    await writeFile(join(root, 'c', 'default.conf'), 'server {}');
    await writeFile(join(root, 'c', 'snippets', 'x.conf'), '#');
    expect(await stagedOps(join(root, 'c'))).toEqual([
      expect.objectContaining({
        op: 'writeFile',
        path: 'default.conf',
        mode: 0o644,
        owner: { uid: 0, gid: 0 },
      }),
      { op: 'mkdir', path: 'snippets', mode: 0o755 },
      expect.objectContaining({ op: 'writeFile', path: 'snippets/x.conf', mode: 0o644 }),
    ]);
    await symlink('default.conf', join(root, 'c', 'link.conf'));
    await expect(stagedOps(join(root, 'c'))).rejects.toMatchObject({ code: 'USAGE' });
  });
});
