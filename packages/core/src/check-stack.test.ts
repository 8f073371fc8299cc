import { describe, expect, it } from 'vitest';
import { seeded } from '../../../tooling/fuzz/mutate.ts';
import { mutateValue } from '../test/mutate-value.ts';
import { isValidStack } from './check-stack.ts';
import { defaultStack } from './default-stack.ts';
import type { Stack } from './model.ts';
import { MAX_ID, stackSchema } from './model.ts';

const base: Stack = {
  ...defaultStack({ project: 'phx', baseDir: '/srv/phx' }),
  composeFile: '/srv/compose.yaml',
  postgres: { user: 'u', database: 'd' },
  offsite: { repo: 'sftp:h:/r', passwordFile: '/etc/pw', passwordEnv: 'PW' },
};
base.services[0] = { ...(base.services[0] as Stack['services'][number]), user: { uid: 999 } };

const ODD: unknown[] = [
  undefined,
  null,
  '',
  'x',
  '/abs',
  'bad name',
  'Z',
  'archive',
  'data',
  -1,
  0,
  1.5,
  0o777,
  0o1000,
  MAX_ID,
  MAX_ID + 1,
  Number.NaN,
  true,
  [],
  {},
];

describe('isValidStack against stackSchema', () => {
  it('accepts the stacks stackSchema accepts', () => {
    expect(stackSchema.safeParse(base).success).toBe(true);
    expect(isValidStack(base)).toBe(true);
    expect(isValidStack(defaultStack({ project: 'p', baseDir: '/b' }))).toBe(true);
  });

  it('never accepts what stackSchema refuses (5,000 seeded mutations)', () => {
    const random = seeded(Number(process.env.FUZZ_SEED ?? 20_261_128));
    const seen = { valid: 0, invalid: 0 };
    for (let run = 0; run < 5000; run += 1) {
      let stack: unknown = base;
      for (let step = 0; step < 1 + Math.floor(random() * 2); step += 1)
        stack = mutateValue(stack, random, ODD);
      const zod = stackSchema.safeParse(stack).success;
      const fast = isValidStack(stack as Stack);
      if (fast) expect(zod, JSON.stringify(stack)).toBe(true);
      seen[zod ? 'valid' : 'invalid'] += 1;
    }
    expect(seen.invalid).toBeGreaterThan(1000);
    expect(seen.valid).toBeGreaterThan(200);
  });
});
