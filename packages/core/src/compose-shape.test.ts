import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { largeCompose } from '../../../tooling/bench/src/compose-dataset.ts';
import { mutant, seeded } from '../../../tooling/fuzz/mutate.ts';
import { mutateValue } from '../test/mutate-value.ts';
import { composeFileSchema } from './compose-schema.ts';
import { composeShape } from './compose-shape.ts';
import { parseYaml } from './yaml-source.ts';

// composeShape must give what zod gives wherever it answers: the same services and volumes (values; zod
// puts a mapping's schema keys first, which nothing reads), the same x-phoenix in zod's key order, and
// no answer at all where zod would refuse or convert a value.

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const fixtures = [
  read('../test/fixtures/original-design.compose.yaml'),
  read('../../../tooling/e2e/fixtures/podman-compose.yaml'),
  largeCompose(8),
];

function agrees(data: unknown): 'fast' | 'zod' {
  const fast = composeShape(data);
  const zod = composeFileSchema.safeParse(data);
  if (fast === undefined) return 'zod';
  expect(zod.success, JSON.stringify(data).slice(0, 300)).toBe(true);
  if (!zod.success) return 'fast';
  const { name, services, volumes } = zod.data;
  expect(fast.name).toBe(name);
  expect(fast.services).toEqual(services);
  expect(fast.services).toEqual(services);
  expect(fast.volumes).toEqual(volumes);
  expect(JSON.stringify(fast['x-phoenix'])).toBe(JSON.stringify(zod.data['x-phoenix']));
  // Same record order: services and volumes are read in file order.
  expect(Object.keys(fast.services ?? {})).toEqual(Object.keys(services ?? {}));
  expect(Object.keys(fast.volumes ?? {})).toEqual(Object.keys(volumes ?? {}));
  return 'fast';
}

/** Values zod converts, refuses or copies into something else. */
const ODD: unknown[] = [
  null,
  undefined,
  'true',
  'false',
  true,
  0,
  999,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'x',
  [],
  ['a:/b'],
  {},
  { name: 'n' },
  { name: 1 },
  JSON.parse('{"__proto__": {"image": "evil"}}'),
];

const NEW_KEYS = ['image', 'user', 'volumes', 'driver', 'driver_opts', 'external', 'name', 'x-phoenix'];
NEW_KEYS.push('kind', 'mode', 'owner', 'backup', 'selinux', 'readOnly', 'other');

describe('composeShape against composeFileSchema', () => {
  it('takes the fast path on the fixtures and gives what zod gives', () => {
    for (const text of fixtures) expect(agrees(parseYaml('/p/c.yaml', text).data)).toBe('fast');
  });

  it('leaves values zod converts or refuses to zod', () => {
    const base = parseYaml('/p/c.yaml', fixtures[0] ?? '').data as Record<string, unknown>;
    const cases: unknown[] = [
      null,
      [],
      'services',
      { services: { db: { image: 'x', user: 999 } } },
      { services: { db: null } },
      { services: { db: ['x'] } },
      { services: [] },
      { services: JSON.parse('{"__proto__": {"image": "x"}}') },
      { services: { db: JSON.parse('{"__proto__": {"image": "x"}}') } },
      { volumes: { v: { external: 'true' } } },
      { volumes: { v: { external: { name: 1 } } } },
      { volumes: { v: { driver_opts: { o: 'bind', size: 10 } } } },
      { volumes: { v: { 'x-phoenix': { mode: Number.POSITIVE_INFINITY } } } },
      { volumes: { v: { 'x-phoenix': { readOnly: 'false' } } } },
      { volumes: { v: { 'x-phoenix': { kind: 'cache' } } } },
      { volumes: { v: { 'x-phoenix': { typo: 1 } } } },
      { name: 5 },
      { ...base, 'x-phoenix': { project: '' } },
    ];
    for (const data of cases) expect(agrees(data), JSON.stringify(data)).toBe('zod');
    // The stack's x-phoenix goes through zod on its own: converted, and in zod's key order.
    for (const data of [
      { 'x-phoenix': { postgres: { database: 'd', user: 5 } } },
      { 'x-phoenix': { postgres: { database: 'd', user: 'u' } }, volumes: { v: null } },
    ])
      expect(agrees(data)).toBe('fast');
  });

  it('agrees with zod on 2,000 seeded mutations of the values and of the text', () => {
    const random = seeded(Number(process.env.FUZZ_SEED ?? 20_261_128));
    const parsed = fixtures.map((text) => parseYaml('/p/c.yaml', text).data);
    const seen = { fast: 0, zod: 0 };
    for (let run = 0; run < 1500; run += 1) {
      let data = parsed[run % parsed.length];
      for (let step = 0; step < 1 + Math.floor(random() * 3); step += 1)
        data = mutateValue(data, random, ODD, NEW_KEYS);
      seen[agrees(data)] += 1;
    }
    for (let run = 0; run < 500; run += 1) {
      const text = mutant(fixtures, random);
      let data: unknown;
      try {
        data = parseYaml('/p/c.yaml', text).data;
      } catch {
        continue;
      }
      seen[agrees(data)] += 1;
    }
    expect(seen.fast).toBeGreaterThan(300);
    expect(seen.zod).toBeGreaterThan(300);
  }, 60_000);
});
