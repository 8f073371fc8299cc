import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { childrenOf, needsUserNamespace } from './rerun-in-namespace.ts';

describe('user namespace', () => {
  it('finds the processes a parent started, from /proc', () => {
    const child = spawn('sleep', ['5']);
    try {
      expect(childrenOf(process.pid)).toContain(child.pid);
    } finally {
      child.kill();
    }
  });

  it('is entered only by a rootless user not already inside it', () => {
    const rootless = process.getuid?.() !== 0;
    expect(needsUserNamespace({})).toBe(rootless);
    expect(needsUserNamespace({ _CONTAINERS_USERNS_CONFIGURED: 'done' })).toBe(false);
  });
});
