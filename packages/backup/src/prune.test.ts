import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupOne, tempDir } from '../test/helpers.ts';
import { listBackups } from './list.ts';
import { type PruneCandidate, planPrune, pruneBackups } from './prune.ts';
import { verifyBackup } from './verify.ts';

/** A backup taken at local noon on the given day (noon keeps DST changes out of the buckets). */
function at(year: number, month: number, day: number, hour = 12): PruneCandidate {
  const createdAt = new Date(year, month - 1, day, hour);
  const id = `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}0000Z-aaaaaa`;
  return { id, createdAt, verified: false };
}

function kept(plan: ReturnType<typeof planPrune>): Record<string, string> {
  // restic's reasons without the trailing " snapshot": "daily", "oldest weekly", "within 2d".
  const short = (reason: string) => reason.replace(/ snapshot$/, '');
  return Object.fromEntries(plan.keep.map((k) => [k.id.slice(0, 11), k.reasons.map(short).join(',')]));
}

describe('planPrune (restic semantics)', () => {
  // Two backups a day for ten days: 2026-03-01 .. 2026-03-10, at 09:00 and 21:00.
  const twiceDaily = Array.from({ length: 10 }, (_, i) => [
    at(2026, 3, i + 1, 9),
    at(2026, 3, i + 1, 21),
  ]).flat();

  it('keepLast keeps the N newest', () => {
    expect(kept(planPrune(twiceDaily, { keepLast: 3 }))).toEqual({
      '20260310T21': 'last',
      '20260310T09': 'last',
      '20260309T21': 'last',
    });
  });

  it('keepDaily keeps the newest backup of each of the N newest days that have one', () => {
    const plan = planPrune(twiceDaily, { keepDaily: 3 });
    expect(kept(plan)).toEqual({ '20260310T21': 'daily', '20260309T21': 'daily', '20260308T21': 'daily' });
    expect(plan.remove).toHaveLength(17);
  });

  it('counts days that have backups, not calendar days (gaps do not use up the count)', () => {
    const sparse = [at(2026, 1, 1), at(2026, 1, 15), at(2026, 2, 20)];
    expect(Object.keys(kept(planPrune(sparse, { keepDaily: 2 })))).toEqual(['20260220T12', '20260115T12']);
  });

  it('rules are a union, and each backup lists every rule that keeps it', () => {
    expect(kept(planPrune(twiceDaily, { keepLast: 1, keepDaily: 2 }))).toEqual({
      '20260310T21': 'last,daily',
      '20260309T21': 'daily',
    });
  });

  it('weekly buckets are ISO weeks (Monday to Sunday), newest backup of each', () => {
    // 2026-03-01 is a Sunday (ISO week 9); 2026-03-02..08 is week 10; 2026-03-09..10 week 11.
    expect(kept(planPrune(twiceDaily, { keepWeekly: 5 }))).toEqual({
      '20260310T21': 'weekly',
      '20260308T21': 'weekly',
      '20260301T21': 'weekly',
      '20260301T09': 'oldest weekly',
    });
  });

  it('ISO weeks cross the year boundary: 2026-12-31 and 2027-01-01 share week 53 of 2026', () => {
    const backups = [at(2026, 12, 28), at(2026, 12, 31), at(2027, 1, 1), at(2027, 1, 4)];
    expect(kept(planPrune(backups, { keepWeekly: 10 }))).toEqual({
      '20270104T12': 'weekly',
      '20270101T12': 'weekly',
      '20261228T12': 'oldest weekly',
    });
  });

  it('monthly and yearly keep the newest of each month and year', () => {
    const backups = [at(2024, 6, 1), at(2024, 12, 30), at(2025, 1, 5), at(2025, 1, 20), at(2025, 2, 3)];
    expect(kept(planPrune(backups, { keepMonthly: 2, keepYearly: 5 }))).toEqual({
      '20250203T12': 'monthly,yearly',
      '20250120T12': 'monthly',
      '20241230T12': 'yearly',
      '20240601T12': 'oldest yearly',
    });
  });

  it('a rule with count left keeps the oldest backup too, so a young history keeps its first (restic 0.16)', () => {
    const young = [at(2026, 3, 1, 9), at(2026, 3, 1, 21), at(2026, 3, 2, 9)];
    expect(kept(planPrune(young, { keepDaily: 7 }))).toEqual({
      '20260302T09': 'daily',
      '20260301T21': 'daily',
      '20260301T09': 'oldest daily',
    });
    expect(kept(planPrune(young, { keepDaily: 2 }))).toEqual({
      '20260302T09': 'daily',
      '20260301T21': 'daily',
    });
  });

  it('hourly and within rules: --keep-hourly, --keep-within, --keep-within-daily', () => {
    const hours = [
      at(2026, 3, 1, 9),
      at(2026, 3, 1, 10),
      at(2026, 3, 2, 8),
      at(2026, 3, 3, 7),
      at(2026, 3, 3, 8),
    ];
    expect(kept(planPrune(hours, { keepHourly: 2 }))).toEqual({
      '20260303T08': 'hourly',
      '20260303T07': 'hourly',
    });
    expect(kept(planPrune(hours, { keepWithin: '1d' }))).toEqual({
      '20260303T08': 'within 1d',
      '20260303T07': 'within 1d',
    });
    expect(kept(planPrune(hours, { keepWithinDaily: '1d12h' }))).toEqual({
      '20260303T08': 'daily within 1d12h',
      '20260302T08': 'daily within 1d12h',
    });
    // The oldest backup falls inside a 2d window, and opens no new day: restic keeps it as the oldest.
    expect(kept(planPrune(hours, { keepWithinDaily: '2d' }))['20260301T09']).toBe('oldest daily within 2d');
  });

  it('never removes the newest verified backup', () => {
    const backups = [
      at(2026, 3, 3),
      { ...at(2026, 3, 2), verified: true },
      { ...at(2026, 3, 1), verified: true },
    ];
    const plan = planPrune(backups, { keepLast: 1 });
    expect(kept(plan)).toEqual({ '20260303T12': 'last', '20260302T12': 'newest verified' });
    expect(plan.remove.map((r) => r.id.slice(0, 11))).toEqual(['20260301T12']);
  });

  it('refuses without a policy, as restic does', () => {
    expect(() => planPrune(twiceDaily, {})).toThrow(/no retention policy/);
    expect(() => planPrune(twiceDaily, { keepDaily: 0 })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('pruneBackups on disk', () => {
  it('dry-runs, then removes what the plan says, keeping the newest verified backup', async () => {
    const volume = await tempDir();
    await writeFile(join(volume, 'f'), 'data');
    const backupDir = await tempDir();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      ids.push((await backupOne(volume, { backupDir })).id);
    }
    const [oldest, middle, newest] = ids;
    expect((await listBackups(backupDir)).map((b) => b.id)).toEqual([newest, middle, oldest]);
    await verifyBackup(backupDir, oldest ?? '');

    const planned = await pruneBackups(backupDir, { keepLast: 1, dryRun: true });
    expect(planned).toEqual({
      keep: [
        { id: newest, reasons: ['last snapshot'] },
        { id: oldest, reasons: ['newest verified'] },
      ],
      remove: [{ id: middle }],
    });
    expect(await listBackups(backupDir)).toHaveLength(3);

    expect(await pruneBackups(backupDir, { keepLast: 1 })).toEqual(planned);
    expect((await listBackups(backupDir)).map((b) => b.id)).toEqual([newest, oldest]);
    expect((await readdir(backupDir)).sort()).toEqual([oldest, newest].sort());
  });
});
