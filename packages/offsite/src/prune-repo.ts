import type { RetentionPolicy } from '@phoenix-hydra/backup';
import { PhoenixError } from '@phoenix-hydra/errors';
import { z } from 'zod';
import { listRepo } from './list-repo.ts';
import { type RepoAccess, restic } from './restic.ts';
import { OWN_TAG } from './tags.ts';

/** Retention flags in restic's spelling, in the order restic documents them. */
const FLAGS: [keyof RetentionPolicy, string][] = [
  ['keepLast', '--keep-last'],
  ['keepHourly', '--keep-hourly'],
  ['keepDaily', '--keep-daily'],
  ['keepWeekly', '--keep-weekly'],
  ['keepMonthly', '--keep-monthly'],
  ['keepYearly', '--keep-yearly'],
  ['keepWithin', '--keep-within'],
  ['keepWithinHourly', '--keep-within-hourly'],
  ['keepWithinDaily', '--keep-within-daily'],
  ['keepWithinWeekly', '--keep-within-weekly'],
  ['keepWithinMonthly', '--keep-within-monthly'],
  ['keepWithinYearly', '--keep-within-yearly'],
];

const snapshotRef = z.object({ id: z.string(), time: z.string() });
/** One group of `restic forget --json`; a reason's snapshot has no id in 0.14, so it is matched by time. */
const groupSchema = z.object({
  keep: z.array(snapshotRef).nullish(),
  remove: z.array(snapshotRef).nullish(),
  reasons: z
    .array(z.object({ snapshot: z.object({ time: z.string() }), matches: z.array(z.string()) }))
    .nullish(),
});

/** What a repository prune kept (with restic's reasons) and removed, by backup id. */
export interface RepoPrunePlan {
  keep: { id: string; snapshot: string; reasons: string[] }[];
  remove: { id: string; snapshot: string }[];
}

/** restic's forget arguments for a policy; USAGE when no rule is given (restic would keep everything). */
export function forgetArgs(policy: Partial<RetentionPolicy>): string[] {
  const args: string[] = [];
  for (const [key, flag] of FLAGS) {
    const value = policy[key];
    if (value !== undefined && value !== null) args.push(flag, String(value));
  }
  if (args.length === 0) {
    throw new PhoenixError('USAGE', 'no retention rule given', {
      hint: 'pass at least one --keep-* option, e.g. --keep-daily 7 --keep-weekly 4',
    });
  }
  return args;
}

/**
 * Applies the retention rules to one project's snapshots in the repository as one group (restic's
 * `forget --group-by ''` on the project's tag), then `restic prune` frees what they alone used.
 * With `dryRun`, only reports.
 */
export async function pruneRepo(
  access: RepoAccess,
  options: { project: string; policy: Partial<RetentionPolicy>; dryRun?: boolean | undefined },
): Promise<RepoPrunePlan> {
  const rules = forgetArgs(options.policy);
  const backups = new Map((await listRepo(access, options.project)).map((b) => [b.snapshot, b.id]));
  const stdout = await restic(access, {
    args: [
      'forget',
      '--json',
      '--group-by',
      '',
      '--tag',
      `${OWN_TAG},project:${options.project}`,
      ...rules,
      ...(options.dryRun ? ['--dry-run'] : []),
    ],
  });
  const groups =
    z
      .array(groupSchema)
      .nullable()
      .parse(JSON.parse(stdout || '[]')) ?? [];
  const plan: RepoPrunePlan = { keep: [], remove: [] };
  for (const group of groups) {
    const reasons = new Map((group.reasons ?? []).map((r) => [r.snapshot.time, r.matches]));
    for (const s of group.keep ?? [])
      plan.keep.push({ id: backups.get(s.id) ?? s.id, snapshot: s.id, reasons: reasons.get(s.time) ?? [] });
    for (const s of group.remove ?? []) plan.remove.push({ id: backups.get(s.id) ?? s.id, snapshot: s.id });
  }
  if (!options.dryRun && plan.remove.length > 0) await restic(access, { args: ['prune'] });
  return plan;
}
