import { appendFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanTree } from '@phoenix-hydra/diagnostics';
import { afterEach, describe, expect, it } from 'vitest';
import { TreeTracker } from './tree-tracker.ts';

const settle = () => new Promise((r) => setTimeout(r, 150));
const trackers: TreeTracker[] = [];

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'phx-tracker-'));
  mkdirSync(join(root, 'a/b'), { recursive: true });
  writeFileSync(join(root, 'top.log'), 'x'.repeat(1000));
  writeFileSync(join(root, 'a/one'), 'y'.repeat(10));
  writeFileSync(join(root, 'a/b/two'), 'z'.repeat(20));
  return root;
}

function track(root: string, options: Partial<ConstructorParameters<typeof TreeTracker>[1]> = {}) {
  const tracker = new TreeTracker(root, { maxDirs: 100, ...options });
  trackers.push(tracker);
  tracker.rescan();
  return tracker;
}

const du = (root: string) => {
  const { bytes, files } = scanTree(root);
  return { bytes, files };
};

afterEach(() => {
  for (const t of trackers.splice(0)) t.close();
});

describe('TreeTracker', () => {
  it('counts as du -sb and du --inodes do', () => {
    const root = tree();
    const tracker = track(root);
    expect({ bytes: tracker.bytes, files: tracker.files }).toEqual(du(root));
    expect(tracker.files).toBe(6);
    expect(tracker.watching).toBe(true);
  });

  it('follows appends, new and removed directories and hard links by re-reading only what changed', async () => {
    const root = tree();
    const changed: string[] = [];
    const tracker = track(root, { onChange: (path) => changed.push(path) });
    appendFileSync(join(root, 'top.log'), 'more');
    mkdirSync(join(root, 'a/new/deeper'), { recursive: true });
    await settle();
    // The new directory is found when its parent is re-read, and watched from then on.
    expect(tracker.refresh()).toBeGreaterThan(0);
    writeFileSync(join(root, 'a/new/deeper/f'), 'q'.repeat(300));
    linkSync(join(root, 'a/one'), join(root, 'a/new/one-again'));
    rmSync(join(root, 'a/b'), { recursive: true });
    await settle();
    tracker.refresh();
    expect({ bytes: tracker.bytes, files: tracker.files }).toEqual(du(root));
    expect(changed).toContain('top.log');
    expect(changed).toContain('a/b');
  });

  it('reads nothing when nothing changed', async () => {
    const tracker = track(tree());
    await settle();
    expect(tracker.refresh()).toBe(0);
  });

  it('stops watching above maxDirs and counts by full scans instead', () => {
    const root = tree();
    const reasons: string[] = [];
    const tracker = track(root, { maxDirs: 2, onUnwatched: (r) => reasons.push(r) });
    expect(tracker.watching).toBe(false);
    expect(reasons).toEqual(['more than 2 directories']);
    expect({ bytes: tracker.bytes, files: tracker.files }).toEqual(du(root));
    writeFileSync(join(root, 'a/three'), 'w');
    expect(tracker.refresh()).toBe(0);
    tracker.rescan();
    expect({ bytes: tracker.bytes, files: tracker.files }).toEqual(du(root));
  });

  it('counts a removed root as empty', () => {
    const root = tree();
    const tracker = track(root);
    rmSync(root, { recursive: true });
    tracker.rescan();
    expect([tracker.bytes, tracker.files]).toEqual([0, 0]);
  });
});
