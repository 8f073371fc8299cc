import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanTree } from './scan-tree.ts';

let root = '';
let outside = '';

function du(...args: string[]): number {
  return Number(execFileSync('du', ['-s', ...args, root], { encoding: 'utf8' }).split('\t')[0]);
}

beforeAll(async () => {
  const base = await mkdtemp(join(tmpdir(), 'phx-scan-'));
  root = join(base, 'volume');
  outside = join(base, 'outside');
  await mkdir(join(root, 'base/16384'), { recursive: true });
  await mkdir(join(root, 'pg_wal'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'big'), Buffer.alloc(1_000_000));
  for (let i = 0; i < 50; i++) await writeFile(join(root, 'base/16384', `${i}`), Buffer.alloc(100 + i));
  await writeFile(join(root, 'pg_wal/000001'), Buffer.alloc(16_384));
  await writeFile(join(root, 'PG_VERSION'), '15\n');
  await link(join(root, 'pg_wal/000001'), join(root, 'pg_wal/hardlink-to-000001'));
  await symlink(outside, join(root, 'link-out'));
  await symlink(join(outside, 'big'), join(root, 'base/big-link'));
  const old = new Date('2020-01-01T00:00:00Z');
  await utimes(join(root, 'PG_VERSION'), old, old);
});

describe('scanTree', () => {
  it('reports what du -sb and du --inodes report: symlinks not followed, hard links once', () => {
    const usage = scanTree(root);
    expect(usage.bytes).toBe(du('-b'));
    expect(usage.files).toBe(du('--inodes'));
    expect(usage.unreadable).toEqual([]);
  });

  it('says how the bytes split over the first-level entries', () => {
    const { top, bytes } = scanTree(root);
    expect(Object.keys(top).sort()).toEqual(['PG_VERSION', 'base', 'link-out', 'pg_wal']);
    expect(top.PG_VERSION).toEqual({ bytes: 3, files: 1 });
    expect(top.pg_wal?.files).toBe(2); // the directory and one inode for the two names
    const sum = Object.values(top).reduce((s, t) => s + t.bytes, 0);
    expect(bytes - sum).toBeGreaterThan(0); // the root directory itself
  });

  it('lists the files modified since a time, newest first, and counts all of them', async () => {
    const since = Date.now() - 60_000;
    const recent = new Date(Date.now() - 1000);
    await utimes(join(root, 'base/16384/7'), recent, recent);
    const usage = scanTree(root, { since, maxChanged: 3 });
    expect(usage.changedCount).toBe(51); // 50 in base/16384 and the WAL segment once; PG_VERSION is old
    expect(usage.changed).toHaveLength(3);
    expect(usage.changed.map((c) => c.path)).not.toContain('PG_VERSION');
    expect(usage.changed.every((c) => c.path.startsWith('base/') || c.path.startsWith('pg_wal/'))).toBe(true);
  });

  it('restores the working directory it moved through', () => {
    const cwd = process.cwd();
    scanTree(root);
    expect(process.cwd()).toBe(cwd);
  });

  it('scans only the given directories with `within`, attributing them to their first-level entry', () => {
    const part = scanTree(root, { within: [join(root, 'base/16384')] });
    expect(part.files).toBe(50);
    expect(Object.keys(part.top)).toEqual(['base']);
  });

  it.skipIf(process.getuid?.() === 0)('lists a directory it may not read instead of failing', async () => {
    const locked = join(root, 'locked');
    await mkdir(locked, { mode: 0o000 });
    expect(scanTree(root).unreadable).toEqual([locked]);
  });
});
