import { PhoenixError } from '@phoenix-hydra/errors';
import { z } from 'zod';
import { removeBackupDir } from './atomic-dir.ts';
import { listBackups } from './list.ts';

const countSchema = z.number().int().min(0).max(1_000_000).optional();

/** restic's duration for `--keep-within*`: years, months, days and hours, such as `1y2m3d4h` or `7d`. */
export interface RetentionDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

const DURATION_PART = /(\d{1,6})([ymdh])/gy;
const UNITS = { y: 'years', m: 'months', d: 'days', h: 'hours' } as const;

/** Parses restic's `1y2m3d4h` (units in any order, each number at most 6 digits); undefined when unreadable. */
export function parseRetentionDuration(text: string): RetentionDuration | undefined {
  const duration: RetentionDuration = { years: 0, months: 0, days: 0, hours: 0 };
  DURATION_PART.lastIndex = 0;
  let read = 0;
  for (let match = DURATION_PART.exec(text); match !== null; match = DURATION_PART.exec(text)) {
    duration[UNITS[match[2] as keyof typeof UNITS]] += Number(match[1]);
    read = DURATION_PART.lastIndex;
  }
  return read === text.length && text !== '' ? duration : undefined;
}

/** A duration as restic prints it in keep reasons: `1y1m1d`, `13d23h`. */
function formatRetentionDuration({ years, months, days, hours }: RetentionDuration): string {
  const parts = [
    [years, 'y'],
    [months, 'm'],
    [days, 'd'],
    [hours, 'h'],
  ] as const;
  return parts.map(([n, unit]) => (n > 0 ? `${n}${unit}` : '')).join('') || '0h';
}

const durationSchema = z
  .string()
  .refine((text) => parseRetentionDuration(text) !== undefined, {
    message: 'expected a duration such as 7d, 2m, 1y6m or 36h (y, m, d, h)',
  })
  .optional();

/** restic's `forget --keep-*` policy: count rules keep the newest backup of each of their last N periods. */
export const retentionPolicySchema = z.object({
  keepLast: countSchema,
  keepHourly: countSchema,
  keepDaily: countSchema,
  keepWeekly: countSchema,
  keepMonthly: countSchema,
  keepYearly: countSchema,
  /** Keep every backup made within this duration of the newest one. */
  keepWithin: durationSchema,
  keepWithinHourly: durationSchema,
  keepWithinDaily: durationSchema,
  keepWithinWeekly: durationSchema,
  keepWithinMonthly: durationSchema,
  keepWithinYearly: durationSchema,
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

type Bucket = (date: Date, index: number) => number;
const day = (d: Date) => d.getFullYear() * 10_000 + (d.getMonth() + 1) * 100 + d.getDate();
const PERIODS: { name: string; bucket: Bucket }[] = [
  { name: 'hourly', bucket: (d) => day(d) * 100 + d.getHours() },
  { name: 'daily', bucket: day },
  { name: 'weekly', bucket: isoWeek },
  { name: 'monthly', bucket: (d) => d.getFullYear() * 100 + d.getMonth() + 1 },
  { name: 'yearly', bucket: (d) => d.getFullYear() },
];
const COUNT_KEYS = [
  'keepLast',
  'keepHourly',
  'keepDaily',
  'keepWeekly',
  'keepMonthly',
  'keepYearly',
] as const;
const WITHIN_KEYS = [
  'keepWithinHourly',
  'keepWithinDaily',
  'keepWithinWeekly',
  'keepWithinMonthly',
  'keepWithinYearly',
] as const;

/** `latest` minus a duration, with calendar arithmetic as Go's AddDate (Jan 31 - 1m = Dec 31, + overflow). */
function before(latest: Date, within: RetentionDuration): Date {
  const shifted = new Date(latest);
  shifted.setFullYear(
    latest.getFullYear() - within.years,
    latest.getMonth() - within.months,
    latest.getDate() - within.days,
  );
  return new Date(shifted.getTime() - within.hours * 3_600_000);
}

/**
 * Decides what a policy keeps, exactly as restic's `forget` (0.16 and later): walking newest to oldest,
 * each count rule keeps a backup when it opens a period (hour, day, ISO week, month, year; local time)
 * the rule has not seen, until it has kept N; the oldest backup is kept by every rule with count left.
 * `keepWithin` keeps all backups newer than the newest minus the duration; `keepWithin<Period>` keeps
 * one per period within it. A backup any rule keeps is kept; the newest verified backup always is.
 */
export function planPrune(candidates: PruneCandidate[], policy: RetentionPolicy): PrunePlan {
  const result = retentionPolicySchema.safeParse(policy);
  if (!result.success) {
    const [issue] = result.error.issues;
    const flag = String(issue?.path[0] ?? 'keep').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new PhoenixError('USAGE', `--${flag}: ${issue?.message ?? 'invalid value'}`, {
      hint: "counts are whole numbers (--keep-daily 7); durations are restic's (--keep-within 1y6m, 7d, 36h)",
    });
  }
  const parsed = result.data;
  if (
    COUNT_KEYS.every((key) => !parsed[key]) &&
    [...WITHIN_KEYS, 'keepWithin' as const].every((key) => !parsed[key])
  ) {
    throw new PhoenixError('USAGE', 'no retention policy given: refusing to remove every backup', {
      hint: 'pass at least one of --keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly or --keep-within',
    });
  }
  const sorted = [...candidates].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1),
  );
  const now = Date.now();
  const latest = sorted.find((c) => c.createdAt.getTime() < now)?.createdAt ?? new Date(0);
  const counted = COUNT_KEYS.map((key, index) => {
    const period = index === 0 ? { name: 'last', bucket: (_d: Date, nr: number) => nr } : PERIODS[index - 1];
    return {
      ...(period as (typeof PERIODS)[number]),
      reason: `${period?.name} snapshot`,
      left: parsed[key] ?? 0,
      last: Number.NaN,
    };
  });
  const windows = WITHIN_KEYS.flatMap((key, index) => {
    const duration = parsed[key] === undefined ? undefined : parseRetentionDuration(parsed[key]);
    if (duration === undefined) return [];
    const period = PERIODS[index] as (typeof PERIODS)[number];
    const reason = `${period.name} within ${formatRetentionDuration(duration)}`;
    return [{ ...period, reason, since: before(latest, duration), last: Number.NaN }];
  });
  const within = parsed.keepWithin === undefined ? undefined : parseRetentionDuration(parsed.keepWithin);
  const newestVerified = sorted.find((c) => c.verified)?.id;
  const plan: PrunePlan = { keep: [], remove: [] };
  sorted.forEach((candidate, nr) => {
    const reasons: string[] = [];
    const time = candidate.createdAt;
    const oldest = nr === sorted.length - 1;
    if (within !== undefined && time > before(latest, within)) {
      reasons.push(`within ${formatRetentionDuration(within)}`);
    }
    for (const rule of counted) {
      if (rule.left <= 0) continue;
      const bucket = rule.bucket(time, nr);
      if (bucket === rule.last && !oldest) continue;
      reasons.push(bucket === rule.last ? `oldest ${rule.reason}` : rule.reason);
      rule.last = bucket;
      rule.left -= 1;
    }
    for (const rule of windows) {
      if (!(time > rule.since)) continue;
      const bucket = rule.bucket(time, nr);
      if (bucket === rule.last && !oldest) continue;
      reasons.push(bucket === rule.last ? `oldest ${rule.reason}` : rule.reason);
      rule.last = bucket;
    }
    if (candidate.id === newestVerified) reasons.push('newest verified');
    if (reasons.length > 0) plan.keep.push({ id: candidate.id, reasons });
    else plan.remove.push({ id: candidate.id });
  });
  return plan;
}

/**
 * Applies a retention policy to the complete backups in `backupDir` (broken ones are left alone), only
 * to those of `project` when given: one directory may hold several projects' backups.
 * With `dryRun` nothing is removed; otherwise each removed backup disappears from listings first.
 */
export async function pruneBackups(
  backupDir: string,
  policy: RetentionPolicy & { dryRun?: boolean; project?: string | undefined },
): Promise<PrunePlan> {
  const { dryRun = false, project, ...rest } = policy;
  const candidates: PruneCandidate[] = [];
  for (const backup of await listBackups(backupDir)) {
    if (backup.status !== 'ok') continue;
    if (project !== undefined && backup.manifest.project !== project) continue;
    const verified = backup.verification?.ok === true;
    candidates.push({ id: backup.id, createdAt: new Date(backup.manifest.createdAt), verified });
  }
  const plan = planPrune(candidates, rest);
  if (!dryRun) for (const { id } of plan.remove) await removeBackupDir(backupDir, id);
  return plan;
}
