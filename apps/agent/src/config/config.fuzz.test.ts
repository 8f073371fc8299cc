import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fuzz } from '../../../../tooling/fuzz/mutate.ts';
import { parseConfig } from './load-config.ts';

// Seeded and bounded: FUZZ_SEED replays a run, FUZZ_RUNS makes it longer.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_126);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

const example = readFileSync(new URL('../../phoenix-volumes-agent.example.yaml', import.meta.url), 'utf8');
const fixtures = [
  example,
  [
    'backup: { schedule: "0 3 * * *", jitter: 90s, maxAge: 26h, volumes: [db_data] }',
    'monitor: { interval: 15s, fullScan: 1h }',
    'metrics: { listen: "[::1]:9469" }',
    'prune: { keep: { daily: 7, weekly: 4 } }',
    'thresholds: { minAvail: { default: 64MiB }, maxUsed: { logs: 1GiB } }',
    'hooks:',
    '  - name: w',
    '    events: [backup.failed]',
    '    webhook: { url: "https://example.org/x", headers: { X-Team: ops } }',
    '',
  ].join('\n'),
];

describe('fuzz: mutated agent configs', () => {
  it(`${RUNS} mutations: each parses or is refused with exit 2, one line, under 2 s`, async () => {
    const { problems, refused } = await fuzz({
      seed: SEED,
      runs: RUNS,
      fixtures,
      parse: (text) => parseConfig('/etc/agent.yaml', text, { HOME: '/home/u', HOOK_SECRET: 's' }),
    });
    expect(problems).toEqual([]);
    expect(refused).toBeGreaterThan(RUNS / 10);
  }, 60_000);
});
