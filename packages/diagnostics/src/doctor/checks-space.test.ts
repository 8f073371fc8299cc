import { describe, expect, it } from 'vitest';
import { BASE, fakeContext, fixture, ok } from '../../test/doctor-fakes.ts';
import { DOCTOR_CHECKS } from './catalogue.ts';
import type { DoctorContext } from './context.ts';
import { runDoctor } from './run-doctor.ts';

async function run(ctx: DoctorContext, ...ids: string[]) {
  return (await runDoctor(ctx, DOCTOR_CHECKS, { only: ids })).findings;
}

// Recorded `podman unshare stat -f`: line 1 the home filesystem, line 2 an 8 MiB tmpfs with 9 of 400 inodes free.
const [home, tmpfs] = fixture('unshare-statfs.txt').trim().split('\n');
const statfs = (...lines: (string | undefined)[]) => ok(`${lines.join('\n')}\n`);

describe('space and inodes', () => {
  it('find nothing on the recorded home filesystem', async () => {
    const ctx = fakeContext({ unshare: { stat: statfs(home, home, home) } });
    expect(await run(ctx, 'PHX-SPACE-001', 'PHX-SPACE-002')).toEqual([]);
  });

  it('report the logs volume on a small tmpfs seen in podman’s namespace: space and inodes', async () => {
    const ctx = fakeContext({ unshare: { stat: statfs(home, home, tmpfs) } });
    const found = await run(ctx, 'PHX-SPACE-001', 'PHX-SPACE-002');
    expect(found).toMatchObject([
      {
        check: 'PHX-SPACE-001',
        severity: 'error',
        volume: 'logs',
        message: `${BASE}/logs: 8.4 MB free of 8.4 MB, below 1.0 GB`,
        evidence: {
          availBytes: 8388608,
          sizeBytes: 8388608,
          minFreeBytes: 1e9,
          seenFrom: 'podman user namespace',
        },
      },
      {
        check: 'PHX-SPACE-002',
        severity: 'error',
        volume: 'logs',
        message: `${BASE}/logs: 9 of 400 inodes free (2.3 %)`,
      },
    ]);
  });
});

describe('space: podman round trips', () => {
  it('measures every volume directory while the observation is still running (one round trip less)', async () => {
    const base = fakeContext({ unshare: { stat: statfs(home, home, home) } });
    const order: string[] = [];
    const ctx: DoctorContext = {
      ...base,
      observation: async () => {
        order.push('observation asked');
        await new Promise((r) => setTimeout(r, 20));
        order.push('observation answered');
        return base.observation();
      },
      unshare: async (argv) => {
        order.push(argv[0] ?? '');
        return base.unshare(argv);
      },
    };
    expect(await run(ctx, 'PHX-SPACE-001')).toEqual([]);
    expect(order.slice(0, 3)).toEqual(['stat', 'observation asked', 'observation answered']);
    expect(order.filter((o) => o === 'stat')).toHaveLength(1);
  });

  it('asks again for the directories that exist when one is missing', async () => {
    const ctx = fakeContext({
      unshare: {
        stat: (argv: readonly string[]) =>
          argv.length === 7 ? { exitCode: 1, stdout: '', stderr: 'missing' } : statfs(home, home),
      },
    });
    const obs = await ctx.observation();
    const first = obs.volumes[0];
    if (first) first.dir = null;
    expect(await run(ctx, 'PHX-SPACE-001')).toEqual([]);
    expect(ctx.calls.filter((c) => c[0] === 'stat').map((c) => c.length)).toEqual([7, 6]);
  });
});

describe('logs', () => {
  it('report a logs volume over its cap and a file over the size limit (recorded du and find)', async () => {
    const ctx = fakeContext({
      unshare: { du: ok(fixture('unshare-du-logs.txt')), find: ok(fixture('find-big-logs.bin')) },
      settings: { logsMaxBytes: 1e6, logFileMaxBytes: 1e6 },
    });
    const found = await run(ctx, 'PHX-LOGS-001', 'PHX-LOGS-002');
    expect(found).toMatchObject([
      { check: 'PHX-LOGS-001', volume: 'logs', evidence: { bytes: 2004099, capBytes: 1e6 } },
      {
        check: 'PHX-LOGS-002',
        evidence: { files: [{ bytes: 2000000, path: '/home/phoenix-e2e/dx-fixture/logs/access.log' }] },
      },
    ]);
    expect(ctx.calls).toContainEqual([
      'find',
      `${BASE}/logs`,
      '-xdev',
      '-type',
      'f',
      '-size',
      '+1000000c',
      '-printf',
      '%s %p\\0',
    ]);
  });

  it('stay quiet under the default caps (1 GiB, 100 MB)', async () => {
    const ctx = fakeContext({ unshare: { du: ok(fixture('unshare-du-logs.txt')), find: ok('') } });
    expect(await run(ctx, 'PHX-LOGS-001', 'PHX-LOGS-002')).toEqual([]);
  });
});
