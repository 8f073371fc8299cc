// A container writes its logs volume while we rotate it: these tests make its moves at the worst moment
// (between our listing and our open, between our copy and our truncate) by wrapping the module calls
// rotateLogs makes at those points, and check that no file outside the volume is read, moved or emptied.
import { execFileSync } from 'node:child_process';
import { link, mkdir, readdir, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../test/temp-dir.ts';
import { copyToEnd } from './compress-file.ts';
import { rotateLogs } from './rotate-logs.ts';
import { freeRotatedName } from './rotated-name.ts';

vi.mock('./compress-file.ts', async (original) => {
  const real = await original<typeof import('./compress-file.ts')>();
  return { ...real, copyToEnd: vi.fn(real.copyToEnd) };
});
vi.mock('./rotated-name.ts', async (original) => {
  const real = await original<typeof import('./rotated-name.ts')>();
  return { ...real, freeRotatedName: vi.fn(real.freeRotatedName) };
});

afterEach(() => {
  vi.mocked(copyToEnd).mockReset();
  vi.mocked(freeRotatedName).mockReset();
});

const MB = 1024 * 1024;
const USER_FILE = 'ssh-ed25519 AAAA u\n'; // 19 bytes, as in the issue
const policy = { maxBytes: MB, keep: 2, compress: true, held: {}, assumeOpen: null };

/** A logs volume with one big log, and a directory of the user's outside it. */
async function volume() {
  const base = await tempDir('phx-hostile-logs-');
  const dir = join(base, 'logs');
  const home = join(base, 'home');
  await mkdir(dir);
  await mkdir(home);
  await writeFile(join(home, 'authorized_keys'), USER_FILE);
  return { dir, home, keys: join(home, 'authorized_keys') };
}

/** Runs `swap` once, right after the first real call of `fn` (or before it with `before`). */
function raceAt<T extends (...args: never[]) => unknown>(fn: T, real: T, swap: () => Promise<void>) {
  vi.mocked(fn).mockImplementationOnce((async (...args: Parameters<T>) => {
    const result = await real(...args);
    await swap();
    return result;
  }) as unknown as T);
}

describe('rotateLogs against a container that changes the volume under it', () => {
  it('truncates the file it copied, not a symlink swapped in between copy and truncate', async () => {
    const { dir, keys } = await volume();
    const log = join(dir, 'access.log');
    await writeFile(log, Buffer.alloc(2 * MB, 'x'));
    const real = (await vi.importActual<typeof import('./compress-file.ts')>('./compress-file.ts')).copyToEnd;
    raceAt(copyToEnd, real, async () => {
      await rename(log, join(dir, 'kept.bin'));
      await symlink(keys, log);
    });
    const report = await rotateLogs({ ...policy, dir, assumeOpen: 'container web_1 is running' });
    expect(await readFile(keys, 'utf8')).toBe(USER_FILE);
    expect((await stat(join(dir, 'kept.bin'))).size).toBe(0); // the file we copied is the one emptied
    expect(report.rotated).toEqual([expect.objectContaining({ file: 'access.log', bytes: 2 * MB })]);
  });

  it('lists a log that is already a symlink as left alone, and never reads or empties its target', async () => {
    const { dir, keys } = await volume();
    await symlink(keys, join(dir, 'access.log'));
    await writeFile(join(dir, 'error.log'), 'e\n');
    const report = await rotateLogs({ ...policy, dir, maxBytes: 1 });
    expect(await readFile(keys, 'utf8')).toBe(USER_FILE);
    expect(report.skipped).toEqual([{ file: 'access.log', reason: expect.stringMatching(/symbolic link/) }]);
    expect(report.rotated.map((r) => r.file)).toEqual(['error.log']);
  });

  it('does not block on a FIFO swapped in for a log after the listing, and says it skipped it', async () => {
    const { dir } = await volume();
    const log = join(dir, 'error.log');
    await writeFile(log, Buffer.alloc(2 * MB, 'e'));
    const real = (await vi.importActual<typeof import('./rotated-name.ts')>('./rotated-name.ts'))
      .freeRotatedName;
    vi.mocked(freeRotatedName).mockImplementationOnce((...args) => {
      execFileSync('rm', [log]);
      execFileSync('mkfifo', [log]);
      return real(...args);
    });
    const report = await rotateLogs({ ...policy, dir, assumeOpen: 'container web_1 is running' });
    expect(freeRotatedName).toHaveBeenCalled(); // the swap happened between the listing and the open
    expect(report.rotated).toEqual([]);
    expect(report.skipped).toEqual([{ file: 'error.log', reason: expect.stringMatching(/FIFO/) }]);
  }, 5_000);

  it('moves nothing outside when a log directory is swapped for a link to a directory of the user', async () => {
    const { dir, home, keys } = await volume();
    await mkdir(join(dir, 'site'));
    await writeFile(join(dir, 'site/access.log'), Buffer.alloc(2 * MB, 's'));
    await writeFile(join(home, 'access.log'), USER_FILE);
    const real = (await vi.importActual<typeof import('./rotated-name.ts')>('./rotated-name.ts'))
      .freeRotatedName;
    vi.mocked(freeRotatedName).mockImplementationOnce((...args) => {
      execFileSync('mv', [join(dir, 'site'), join(dir, 'site.old')]);
      execFileSync('ln', ['-s', home, join(dir, 'site')]);
      return real(...args);
    });
    await rotateLogs({ ...policy, dir, keep: 0 });
    expect(freeRotatedName).toHaveBeenCalled();
    expect((await readdir(home)).sort()).toEqual(['access.log', 'authorized_keys']);
    expect(await readFile(join(home, 'access.log'), 'utf8')).toBe(USER_FILE);
    expect(await readFile(keys, 'utf8')).toBe(USER_FILE);
  });

  it('refuses to truncate or compress a log with a second hard link (which may be a file outside)', async () => {
    const { dir, keys } = await volume();
    await writeFile(keys, Buffer.concat([Buffer.from(USER_FILE), Buffer.alloc(2 * MB)]));
    await link(keys, join(dir, 'access.log'));
    await link(keys, join(dir, 'old.log.20200101-000000'));
    const report = await rotateLogs({ ...policy, dir, assumeOpen: 'container web_1 is running' });
    expect((await readFile(keys)).subarray(0, 19).toString()).toBe(USER_FILE);
    expect((await stat(keys)).size).toBe(19 + 2 * MB);
    expect(report.rotated).toEqual([]);
    expect(report.skipped.map((s) => s.file).sort()).toEqual(['access.log', 'old.log.20200101-000000']);
    expect(report.skipped[0]?.reason).toMatch(/3 hard links/);
  });

  it('skips a log whose name leaves no room for the rotation suffix and rotates the others', async () => {
    const { dir } = await volume();
    const long = `${'n'.repeat(240)}.log`;
    await writeFile(join(dir, long), Buffer.alloc(2 * MB));
    await writeFile(join(dir, 'access.log'), Buffer.alloc(2 * MB));
    const report = await rotateLogs({ ...policy, dir, assumeOpen: 'container web_1 is running' });
    expect(report.rotated.map((r) => r.file)).toEqual(['access.log']);
    expect(report.skipped).toEqual([{ file: long, reason: expect.stringMatching(/name too long/) }]);
    expect((await stat(join(dir, long))).size).toBe(2 * MB);
  });
});
