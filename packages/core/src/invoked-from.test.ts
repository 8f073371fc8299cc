import { describe, expect, it } from 'vitest';
import { invokedFrom } from './invoked-from.ts';

const ours = { npm_lifecycle_event: 'phoenix-volumes', npm_package_name: 'phoenix-hydra-volumes' };

describe('invokedFrom', () => {
  it("is pnpm's INIT_CWD for our own root script only, and only an absolute one", () => {
    expect(invokedFrom('phoenix-volumes', { ...ours, INIT_CWD: '/home/ana/stack' })).toBe('/home/ana/stack');
    expect(invokedFrom('phoenix-volumes-agent', { ...ours, INIT_CWD: '/home/ana/stack' })).toBeUndefined();
    expect(
      invokedFrom('phoenix-volumes', { ...ours, npm_package_name: 'other', INIT_CWD: '/x' }),
    ).toBeUndefined();
    expect(invokedFrom('phoenix-volumes', { ...ours, INIT_CWD: 'relative' })).toBeUndefined();
    expect(invokedFrom('phoenix-volumes', {})).toBeUndefined();
  });
});
