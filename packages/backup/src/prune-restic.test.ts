import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetentionPolicy } from './prune.ts';
import { parseRetentionDuration, planPrune } from './prune.ts';

// Ported from restic/restic internal/data/snapshot_policy_test.go (TestApplyPolicy) and its golden files
// internal/data/testdata/policy_keep_snapshots_* (commit a80be1478a4c): the same 103 snapshots, each
// policy, and the snapshots restic keeps with the reasons it gives. Cases with tags or -1 ("unlimited")
// counts are left out (phoenix-volumes has neither). restic buckets in the snapshot's zone: UTC here.
const golden: {
  snapshots: string[];
  cases: { golden: string; policy: RetentionPolicy; keep: [string, string[]][] }[];
} = JSON.parse(readFileSync(new URL('../test/fixtures/restic-policy-golden.json', import.meta.url), 'utf8'));

let zone: string | undefined;
beforeAll(() => {
  zone = process.env.TZ;
  process.env.TZ = 'UTC';
});
afterAll(() => {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

// Ties in time keep restic's stable order: ids sort descending, so the earlier-listed one comes first.
const candidates = golden.snapshots.map((time, index) => ({
  id: `snap-${String(1000 - index)}`,
  createdAt: new Date(time),
  verified: false,
}));
const timeOf = new Map(candidates.map((c) => [c.id, c.createdAt.toISOString()]));

describe('planPrune keeps what restic keeps (snapshot_policy_test.go golden files)', () => {
  it.each(golden.cases.map((c) => [c.golden, JSON.stringify(c.policy), c] as const))(
    '%s %s',
    (_name, _policy, { policy, keep }) => {
      const plan = planPrune(candidates, policy);
      const actual = plan.keep.map((k) => [timeOf.get(k.id), k.reasons]);
      expect(actual).toEqual(keep.map(([time, reasons]) => [new Date(time).toISOString(), reasons]));
      expect(plan.keep.length + plan.remove.length).toBe(candidates.length);
    },
  );
});

describe('parseRetentionDuration reads restic durations', () => {
  it.each([
    ['1d', { years: 0, months: 0, days: 1, hours: 0 }],
    ['1y1d1m', { years: 1, months: 1, days: 1, hours: 0 }],
    ['13d23h', { years: 0, months: 0, days: 13, hours: 23 }],
    ['1y2m3d3h', { years: 1, months: 2, days: 3, hours: 3 }],
  ])('%s', (text, expected) => expect(parseRetentionDuration(text)).toEqual(expected));

  it.each(['', '7', 'd', '1w', '-1d', '1d ', '1234567d'])('%j is refused', (text) => {
    expect(parseRetentionDuration(text)).toBeUndefined();
  });
});
