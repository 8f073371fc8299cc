import { type ChildProcess, spawn } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/temp-dir.ts';
import { findOpenFiles } from './open-files.ts';
import { rotateLogs } from './rotate-logs.ts';
import { COPIED_SUFFIX, PARTIAL_SUFFIX } from './rotated-name.ts';

const MB = 1024 * 1024;
let writer: ChildProcess | null = null;

afterEach(() => {
  writer?.kill();
  writer = null;
});

async function logsDir(): Promise<string> {
  return tempDir('phx-logs-');
}

/** A process that keeps appending numbered lines through one O_APPEND descriptor, as nginx does. */
async function startWriter(file: string): Promise<ChildProcess> {
  const script = `const fs = require('node:fs'); const fd = fs.openSync(process.argv[1], 'a'); let i = 0;
    process.stdout.write('ready\\n'); setInterval(() => fs.writeSync(fd, 'line ' + i++ + '\\n'), 5);`;
  const child = spawn(process.execPath, ['-e', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout?.once('data', resolve));
  return child;
}

const policy = { maxBytes: MB, keep: 2, compress: true, held: {}, assumeOpen: null };

describe('rotateLogs', () => {
  it('renames a file nobody holds open, compresses the copy and leaves small files alone', async () => {
    const dir = await logsDir();
    const big = Buffer.alloc(3 * MB, 'a');
    await writeFile(join(dir, 'access.log'), big);
    await writeFile(join(dir, 'error.log'), 'small\n');
    const report = await rotateLogs({ ...policy, dir, now: '2026-11-25T20:15:30Z' });
    expect(report.rotated).toEqual([
      expect.objectContaining({
        file: 'access.log',
        to: 'access.log.20261125-201530.zst',
        method: 'rename',
        bytes: 3 * MB,
      }),
    ]);
    expect((await readdir(dir)).sort()).toEqual(['access.log.20261125-201530.zst', 'error.log']);
    const copy = await readFile(join(dir, 'access.log.20261125-201530.zst'));
    expect(copy.length).toBeLessThan(10_000);
    expect(zstdDecompressSync(copy).equals(big)).toBe(true);
  });

  it('copies and truncates a file held open: the writer goes on writing into the live, now small, file', async () => {
    const dir = await logsDir();
    const live = join(dir, 'access.log');
    await writeFile(live, Buffer.alloc(50 * MB, 'x'));
    writer = await startWriter(live);
    const inode = (await stat(live)).ino;
    const held = await findOpenFiles((await stat(dir)).dev);
    expect(held[`${(await stat(live)).dev}:${inode}`]).toContain(writer.pid);

    const report = await rotateLogs({ ...policy, dir, held });
    expect(report.rotated).toEqual([
      expect.objectContaining({
        file: 'access.log',
        method: 'copy-truncate',
        heldBy: `process ${writer.pid}`,
      }),
    ]);
    const rotated = report.rotated[0]?.to ?? '';
    expect(report.rotated[0]?.bytes).toBeGreaterThanOrEqual(50 * MB);
    const copy = zstdDecompressSync(await readFile(join(dir, rotated)));
    expect(copy.subarray(0, 50 * MB).every((b) => b === 0x78)).toBe(true);

    // The writer goes on (a line every few ms); wait for its next line, however loaded the machine is.
    for (let i = 0; i < 250 && (await lstat(live)).size === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    const after = await lstat(live);
    expect(after.ino).toBe(inode); // same file: the writer's descriptor still points at it
    expect(after.size).toBeGreaterThan(0);
    expect(after.size).toBeLessThan(MB);
    const text = await readFile(live, 'utf8');
    expect(text.startsWith('\0')).toBe(false); // O_APPEND: no hole where the 50 MB were
    expect(text).toMatch(/^line \d+\n/);
  });

  it('keeps no more than `keep` rotated copies per log, and a second run right away changes nothing', async () => {
    const dir = await logsDir();
    for (const [i, now] of [
      '2026-11-25T20:00:00Z',
      '2026-11-25T21:00:00Z',
      '2026-11-25T22:00:00Z',
    ].entries()) {
      await writeFile(join(dir, 'app.log'), Buffer.alloc(2 * MB, i));
      await rotateLogs({ ...policy, dir, now });
    }
    expect((await readdir(dir)).sort()).toEqual([
      'app.log.20261125-210000.zst',
      'app.log.20261125-220000.zst',
    ]);
    const again = await rotateLogs({ ...policy, dir });
    expect(again).toEqual({ dir, rotated: [], compressed: [], removed: [], recovered: [], skipped: [] });
  });

  it('gives a second rotation within the same second its own name', async () => {
    const dir = await logsDir();
    const now = '2026-11-25T20:00:00Z';
    for (let i = 0; i < 2; i++) {
      await writeFile(join(dir, 'app.log'), Buffer.alloc(2 * MB, i));
      await rotateLogs({ ...policy, dir, now, compress: false });
    }
    expect((await readdir(dir)).sort()).toEqual(['app.log.20261125-200000', 'app.log.20261125-200000-1']);
  });

  it('rotates logs in subdirectories and never rotates rotated copies or archives', async () => {
    const dir = await logsDir();
    await mkdir(join(dir, 'site'));
    await writeFile(join(dir, 'site/access.log'), Buffer.alloc(2 * MB));
    await writeFile(join(dir, 'old.log.gz'), Buffer.alloc(2 * MB));
    await writeFile(join(dir, 'x.log.20200101-000000'), Buffer.alloc(2 * MB));
    const report = await rotateLogs({ ...policy, dir, now: '2026-11-25T20:00:00Z' });
    expect(report.rotated.map((r) => r.file)).toEqual(['site/access.log']);
    expect(report.compressed.sort()).toEqual([
      'site/access.log.20261125-200000.zst',
      'x.log.20200101-000000.zst',
    ]);
  });

  it('finishes what a killed rotation left: a complete copy is kept, a partial one dropped', async () => {
    const dir = await logsDir();
    await writeFile(join(dir, `a.log.20261125-200000.zst${COPIED_SUFFIX}`), 'complete');
    await writeFile(join(dir, `b.log.20261125-200000.zst${PARTIAL_SUFFIX}`), 'half');
    await writeFile(join(dir, 'b.log'), 'still here\n');
    const report = await rotateLogs({ ...policy, dir });
    expect(report.recovered).toHaveLength(2);
    expect((await readdir(dir)).sort()).toEqual(['a.log.20261125-200000.zst', 'b.log']);
  });

  it('copies and truncates every file when told something unseen holds them (a running container)', async () => {
    const dir = await logsDir();
    await writeFile(join(dir, 'error.log'), Buffer.alloc(2 * MB));
    const report = await rotateLogs({
      ...policy,
      dir,
      assumeOpen: 'container web_1 is running and mounts this volume',
    });
    expect(report.rotated[0]).toMatchObject({
      method: 'copy-truncate',
      heldBy: 'container web_1 is running and mounts this volume',
    });
    expect((await lstat(join(dir, 'error.log'))).size).toBe(0);
  });
});
