import { PhoenixError } from '@phoenix-hydra/core';
import { z } from 'zod';
import { removeBackupDir } from './atomic-dir.ts';
import { listBackups } from './list.ts';

const countSchema = z.number().int().min(0).optional();

/** restic's `forget --keep-*` policy: each rule keeps the newest backup of each of its last N periods. */
export const retentionPolicySchema = z.object({
  keepLast: countSchema,
  keepDaily: countSchema,
  keepWeekly: countSchema,
  keepMonthly: countSchema,
  keepYearly: countSchema,
});
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

export interface PruneCandidate {
  id: string;
  createdAt: Date;
  verified: boolean;
}

export interface PrunePlan {
  keep: { id: string; reasons: string[] }[];
  remove: { id: string }[];
}

/** ISO 8601 week-numbering year and week, in local time, as restic buckets weeks. */
function isoWeek(date: Date): number {
  const mondayBased = (d: Date) => (d.getDay() + 6) % 7;
  const thursday = new Date(date.getFullYear(), date.getMonth(), date.getDate() - mondayBased(date) + 3);
  const year = thursday.getFullYear(); // the Thursday's year is the ISO year
  const jan4 = new Date(year, 0, 4);
  const firstThursday = new Date(year, 0, 4 - mondayBased(jan4) + 3);
  const week = 1 + Math.round((thursday.getTime() - firstThursday.getTime()) / (7 * 86_400_000));
  return year * 100 + week;
}

const rules: { key: keyof RetentionPolicy; reason: string; bucket: (date: Date, index: number) => number }[] =
  [
    { key: 'keepLast', reason: 'last', bucket: (_date, index) => index },
    {
      key: 'keepDaily',
      reason: 'daily',
      bucket: (d) => d.getFullYear() * 10_000 + (d.getMonth() + 1) * 100 + d.getDate(),
    },
    { key: 'keepWeekly', reason: 'weekly', bucket: isoWeek },
    { key: 'keepMonthly', reason: 'monthly', bucket: (d) => d.getFullYear() * 100 + d.getMonth() + 1 },
    { key: 'keepYearly', reason: 'yearly', bucket: (d) => d.getFullYear() },
  ];

/**
 * Decides what a policy keeps, as restic does: walking newest to oldest, each rule keeps a backup when
 * it opens a period (day, ISO week, month, year; local time) the rule has not seen, until the rule has
 * kept N. A backup any rule keeps is kept. The newest verified backup is always kept.
 */
export function planPrune(candidates: PruneCandidate[], policy: RetentionPolicy): PrunePlan {
  const parsed = retentionPolicySchema.parse(policy);
  if (rules.every((rule) => !parsed[rule.key])) {
    throw new PhoenixError('USAGE', 'no retention policy given: refusing to remove every backup', {
      hint: 'pass at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly',
    });
  }
  const sorted = [...candidates].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1),
  );
  const state = rules.map((rule) => ({ ...rule, left: parsed[rule.key] ?? 0, last: Number.NaN }));
  const newestVerified = sorted.find((c) => c.verified)?.id;
  const plan: PrunePlan = { keep: [], remove: [] };
  sorted.forEach((candidate, index) => {
    const reasons: string[] = [];
    for (const rule of state) {
      if (rule.left <= 0) continue;
      const bucket = rule.bucket(candidate.createdAt, index);
      if (bucket === rule.last) continue;
      rule.last = bucket;
      rule.left -= 1;
      reasons.push(rule.reason);
    }
    if (candidate.id === newestVerified) reasons.push('newest verified');
    if (reasons.length > 0) plan.keep.push({ id: candidate.id, reasons });
    else plan.remove.push({ id: candidate.id });
  });
  return plan;
}

/**
 * Applies a retention policy to the complete backups in `backupDir` (broken ones are left alone).
 * With `dryRun` nothing is removed; otherwise each removed backup disappears from listings first.
 */
export async function pruneBackups(
  backupDir: string,
  policy: RetentionPolicy & { dryRun?: boolean },
): Promise<PrunePlan> {
  const { dryRun = false, ...rest } = policy;
  const candidates: PruneCandidate[] = [];
  for (const backup of await listBackups(backupDir)) {
    if (backup.status !== 'ok') continue;
    const verified = backup.verification?.ok === true;
    candidates.push({ id: backup.id, createdAt: new Date(backup.manifest.createdAt), verified });
  }
  const plan = planPrune(candidates, rest);
  if (!dryRun) for (const { id } of plan.remove) await removeBackupDir(backupDir, id);
  return plan;
}
