import { defaultStack } from '@phoenix-hydra/core';
import { createFakePodman } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { createDoctorContext } from './context.ts';
import { type DoctorCheck, runCheck } from './run-doctor.ts';

const reason = 'CONTAINER_HOST=unix:///run/user/1000/podman/podman.sock';

/** A check that reads inside a volume the way the space, logs and postgres checks do. */
const readsInside: DoctorCheck = {
  id: 'PHX-TEST-001',
  title: 'reads inside a volume',
  severity: 'warning',
  why: 'test',
  async run(ctx) {
    const r = await ctx.unshare(['du', '-s', '-b', '--', '/somewhere']);
    if (r.exitCode !== 0) throw new Error(r.stderr);
    return [];
  },
};

describe('the doctor context through a remote podman', () => {
  it('says plainly what it could not look at remotely instead of quoting podman unshare’s refusal', async () => {
    const podman = createFakePodman({
      overrides: {
        remote: async () => ({ remote: true, reason }),
        // Never run: nothing may reach podman unshare through a remote podman.
        config: { bin: 'false-podman-never-run', timeoutMs: 1000, streamTimeoutMs: 1000, env: {} },
      },
    });
    const ctx = createDoctorContext(defaultStack(), podman, { env: {} });
    const [found] = await runCheck(readsInside, ctx);
    expect(found).toMatchObject({ check: 'PHX-TEST-001', status: 'skip', severity: 'info' });
    expect(found?.message).toMatch(/^not checked: it reads the files inside the volumes with podman unshare/);
    expect(found?.message).toMatch(/podman machine ssh/);
    expect(found?.message).not.toMatch(/cannot use command/);
  });
});
