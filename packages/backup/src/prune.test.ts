import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/helpers.ts';
import { createBackup } from './create-backup.ts';
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
  return Object.fromEntries(plan.keep.map((k) => [k.id.slice(0, 11), k.reasons.join(',')]));
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
    });
  });

  it('ISO weeks cross the year boundary: 2026-12-31 and 2027-01-01 share week 53 of 2026', () => {
    const backups = [at(2026, 12, 28), at(2026, 12, 31), at(2027, 1, 1), at(2027, 1, 4)];
    expect(kept(planPrune(backups, { keepWeekly: 10 }))).toEqual({
      '20270104T12': 'weekly',
      '20270101T12': 'weekly',
    });
  });

  it('monthly and yearly keep the newest of each month and year', () => {
    const backups = [at(2024, 6, 1), at(2024, 12, 30), at(2025, 1, 5), at(2025, 1, 20), at(2025, 2, 3)];
    expect(kept(planPrune(backups, { keepMonthly: 2, keepYearly: 5 }))).toEqual({
      '20250203T12': 'monthly,yearly',
      '20250120T12': 'monthly',
      '20241230T12': 'yearly',
    });
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
      const manifest = await createBackup({
        backupDir,
        project: 'p',
        volumes: [{ name: 'v', strategy: 'archive', path: volume }],
        taken: 'offline',
      });
      ids.push(manifest.id);
    }
    const [oldest, middle, newest] = ids;
    expect((await listBackups(backupDir)).map((b) => b.id)).toEqual([newest, middle, oldest]);
    await verifyBackup(backupDir, oldest ?? '');

    const planned = await pruneBackups(backupDir, { keepLast: 1, dryRun: true });
    expect(planned).toEqual({
      keep: [
        { id: newest, reasons: ['last'] },
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
