import { describe, expect, it } from 'vitest';
import { BASE, dirState, fakeContext, observation, stack } from '../test/doctor-fakes.ts';
import { checkView, checkViewIds } from './check-view.ts';
import { DOCTOR_CHECKS } from './doctor/catalogue.ts';
import { runDoctor } from './doctor/run-doctor.ts';

async function check(ctx: ReturnType<typeof fakeContext>, probe = false) {
  const ids = checkViewIds({ probe });
  const report = await runDoctor(ctx, DOCTOR_CHECKS, { only: ids });
  return checkView(stack, report.findings, ids);
}
const row = (rows: Awaited<ReturnType<typeof check>>, volume: string, name: string) =>
  rows.filter((r) => r.volume === volume && r.check === name);

// Recorded `podman unshare stat -f` of two healthy filesystems (same as the space tests).
const statfs = { exitCode: 0, stdout: '270000000000 80000000000 16700000 16000000\n'.repeat(3), stderr: '' };

describe("check is a view of doctor's volume rules", () => {
  it("names the causes in the original scripts' layout, with doctor's ids and severities", async () => {
    const ctx = fakeContext({
      observation: observation({
        db_data: { dir: dirState(0o700, 0), namedVolume: null },
        nginx_config: { defaultConf: null },
      }),
      unshare: { stat: statfs },
    });
    const rows = await check(ctx);
    expect(row(rows, 'db_data', 'owner')).toEqual([
      expect.objectContaining({ id: 'PHX-OWNER-001', severity: 'error', status: 'fail' }),
    ]);
    expect(row(rows, 'db_data', 'named-volume')[0]?.message).toMatch(
      /podman-compose 1\.0\.3 would create it without the bind options/,
    );
    expect(row(rows, 'nginx_config', 'default-conf')[0]).toMatchObject({
      id: 'PHX-NGINX-001',
      status: 'fail',
    });
    expect(row(rows, 'db_data', 'mode')).toEqual([
      expect.objectContaining({ status: 'pass', severity: null, message: 'mode 0700' }),
    ]);
    expect(rows.some((r) => r.check === 'write-probe')).toBe(false); // --no-probe
  });

  it('a missing directory shows only what can be judged without it', async () => {
    const ctx = fakeContext({ observation: observation({ logs: { dir: null } }), unshare: { stat: statfs } });
    expect(row(await check(ctx), 'logs', 'mode')).toEqual([]);
    expect(row(await check(ctx), 'logs', 'directory')[0]).toMatchObject({
      status: 'fail',
      message: `${BASE}/logs does not exist`,
    });
  });

  it('the probe is a doctor check: a container user that cannot write fails it', async () => {
    const ctx = fakeContext({
      unshare: { stat: statfs },
      run: {
        sh: (argv) => ({
          exitCode: argv.join(' ').includes('write-probe') ? 1 : 0,
          stdout: '',
          stderr: 'sh: 1: cannot create /phoenix-probe/.phoenix-write-probe-7: Permission denied',
        }),
      },
    });
    const rows = await check(ctx, true);
    expect(row(rows, 'db_data', 'write-probe')[0]).toMatchObject({
      id: 'PHX-PROBE-001',
      status: 'fail',
      message:
        'a container running as 999:999 cannot write it: sh: 1: cannot create /phoenix-probe/.phoenix-write-probe-7: Permission denied',
    });
    expect(row(rows, 'nginx_config', 'read-probe')[0]?.status).toBe('pass');
  });
});
