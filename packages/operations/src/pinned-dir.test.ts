import { execFileSync } from 'node:child_process';
import { link, mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/temp-dir.ts';
import { openPinnedDir } from './pinned-dir.ts';

async function volumeAndOutside() {
  const base = await tempDir('phx-pinned-');
  const volume = join(base, 'logs');
  const outside = join(base, 'home');
  await mkdir(join(volume, 'site'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(volume, 'site/access.log'), 'inside\n');
  await writeFile(join(outside, 'access.log'), 'the user file\n');
  return { volume, outside };
}

describe('openPinnedDir', () => {
  it('keeps reading the directory it opened after a container swaps it for a link to a directory outside', async () => {
    const { volume, outside } = await volumeAndOutside();
    const root = await openPinnedDir(volume);
    const site = await root.sub('site');
    await rename(join(volume, 'site'), join(volume, 'site.old'));
    await symlink(outside, join(volume, 'site'));
    const { handle } = await site.openFile('access.log', { write: false, single: true });
    expect(await handle.readFile('utf8')).toBe('inside\n');
    await handle.close();
    await expect(root.sub('site')).rejects.toThrow(/ENOTDIR|ELOOP/); // a link is never entered
    await site.close();
    await root.close();
  });

  it('refuses a link, a FIFO (without blocking) and, when asked, a file with a second hard link', async () => {
    const { volume, outside } = await volumeAndOutside();
    await symlink(join(outside, 'access.log'), join(volume, 'link.log'));
    execFileSync('mkfifo', [join(volume, 'fifo.log')]);
    await link(join(outside, 'access.log'), join(volume, 'hard.log'));
    const dir = await openPinnedDir(volume);
    const open = (name: string, single: boolean) => dir.openFile(name, { write: true, single });
    await expect(open('link.log', false)).rejects.toThrow(/link\.log is a symbolic link/);
    await expect(open('fifo.log', false)).rejects.toThrow(/fifo\.log is a FIFO/);
    await expect(open('hard.log', true)).rejects.toThrow(/hard\.log is a file with 2 hard links/);
    await expect(dir.openFile('../home/access.log', { write: false, single: false })).rejects.toThrow(
      /is not a directory entry name/,
    );
    await dir.close();
    expect(await readFile(join(outside, 'access.log'), 'utf8')).toBe('the user file\n');
  });
});
