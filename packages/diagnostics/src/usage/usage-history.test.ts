import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeGrowth, readUsageHistory, usageHistoryPath, writeUsageHistory } from './usage-history.ts';

describe('usage history', () => {
  it('keeps the previous scan in <state>/usage/<project>.json and reads it back', async () => {
    const state = await mkdtemp(join(tmpdir(), 'phx-state-'));
    const path = usageHistoryPath(state, 'phx-ops');
    expect(path).toBe(join(state, 'usage/phx-ops.json'));
    expect(await readUsageHistory(path)).toBeNull();
    const history = {
      version: 1 as const,
      project: 'phx-ops',
      volumes: {
        logs: {
          scannedAt: '2026-11-25T20:00:00.000Z',
          bytes: 10,
          files: 2,
          top: { 'a.log': { bytes: 6, files: 1 } },
        },
      },
      devices: {},
    };
    await writeUsageHistory(path, history);
    expect(await readUsageHistory(path)).toEqual(history);
  });

  it('treats an unreadable history as none: it is only a cache', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'phx-state-')), 'broken.json');
    await writeFile(path, '{"version": 2');
    expect(await readUsageHistory(path)).toBeNull();
    expect(await readFile(path, 'utf8')).toBe('{"version": 2');
  });

  it('computes growth per second and the first-level entries that changed most', () => {
    const previous = {
      scannedAt: '2026-11-25T20:00:00.000Z',
      bytes: 1000,
      files: 10,
      top: {
        base: { bytes: 600, files: 5 },
        pg_wal: { bytes: 300, files: 4 },
        gone: { bytes: 100, files: 1 },
      },
    };
    const current = {
      bytes: 3000,
      files: 12,
      top: { base: { bytes: 2600, files: 7 }, pg_wal: { bytes: 300, files: 4 } },
    };
    const growth = computeGrowth(previous, current, new Date('2026-11-25T20:00:10.000Z'));
    expect(growth).toEqual({
      since: '2026-11-25T20:00:00.000Z',
      seconds: 10,
      bytesDelta: 2000,
      filesDelta: 2,
      bytesPerSecond: 200,
      top: [
        { name: 'base', bytesDelta: 2000, filesDelta: 2 },
        { name: 'gone', bytesDelta: -100, filesDelta: -1 },
      ],
    });
    expect(computeGrowth(undefined, current, new Date())).toBeNull();
  });
});
