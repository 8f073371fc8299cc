import type { ContainerInfo } from '@phoenix-hydra/podman-adapter';
import { describe, expect, it } from 'vitest';
import { BASE, fakeContext, recordedContainer } from '../../test/doctor-fakes.ts';
import { serviceChecks } from './checks-services.ts';
import { recordedLog } from './log-signatures/recognise.ts';
import { runDoctor } from './run-doctor.ts';

// The recorded running containers of the dx-fixture stack, put into the states doctor must tell apart.
const db = recordedContainer('container-inspect-db.json');
const nginx = recordedContainer('container-inspect-nginx.json');
const down = (c: ContainerInfo, exitCode: number, more: Partial<ContainerInfo> = {}): ContainerInfo => ({
  ...c,
  state: 'exited',
  running: false,
  exitCode,
  finishedAt: '2026-11-28T04:30:03.161816999Z',
  ...more,
});

async function findings(parts: Parameters<typeof fakeContext>[0]) {
  return (await runDoctor(fakeContext(parts), serviceChecks)).findings;
}

describe('service state and the reason from the logs', () => {
  it('a running stack gives no finding', async () => {
    expect(await findings({ containers: [db, nginx] })).toEqual([]);
  });

  it('a stack never started gives no finding (nothing was asked to run)', async () => {
    expect(await findings({ containers: [] })).toEqual([]);
  });

  it('names a known failure by its id, with the log line, the fix and --fix', async () => {
    const [f, ...rest] = await findings({
      containers: [down(db, 1), nginx],
      logs: { [db.name]: recordedLog('pg-invalid-permissions') },
    });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      check: 'PHX-LOG-PG-003',
      severity: 'error',
      volume: 'db_data',
      evidence: {
        service: 'db',
        state: 'exited',
        exitCode: 1,
        line: expect.stringMatching(
          /FATAL: {2}data directory "\/var\/lib\/postgresql\/data" has invalid permissions$/,
        ),
      },
      hint: `podman unshare chmod 0700 ${BASE}/db_data; podman start ${db.name}`,
    });
    expect(f?.message).toMatch(
      /^service db: container .* exited \(exit code 1\): .*has invalid permissions$/,
    );
    expect(f?.fix?.describe).toBe(
      `chmod 0700 ${BASE}/db_data via podman unshare, then podman start ${db.name}`,
    );
  });

  it('a crash loop is reported as restarting, with the restart count', async () => {
    const [f] = await findings({
      containers: [down(nginx, 1, { restartCount: 4 }), db],
      logs: { [nginx.name]: recordedLog('nginx-bind-privileged-port') },
    });
    expect(f).toMatchObject({
      check: 'PHX-LOG-NGINX-001',
      evidence: { state: 'restarting', restartCount: 4 },
    });
    expect(f?.message).toMatch(/keeps restarting \(exit code 1, restarted 4 times\)/);
    expect(f?.fix).toBeUndefined();
  });

  it('a crash loop caught running between two restarts is still repaired: stopped first, then started', async () => {
    const at = new Date('2026-11-28T04:30:05Z');
    const looping = {
      ...db,
      running: true,
      state: 'running',
      restartCount: 3,
      startedAt: '2026-11-28T04:30:04Z',
    };
    const [f] = await findings({
      containers: [looping, nginx],
      logs: { [db.name]: recordedLog('pg-stale-postmaster-pid') },
      settings: { now: () => at },
    });
    expect(f).toMatchObject({ check: 'PHX-LOG-PG-005', evidence: { state: 'restarting' } });
    // Up right now: no exit code to show, and the user learns why "running" still counts as a loop.
    expect(f?.message).toMatch(
      /container .* restarted 3 times and has run 1 s since, under 15 s: not settled yet \(run doctor again shortly/,
    );
    expect(f?.fix?.describe).toBe(
      `podman stop ${db.name}, move ${BASE}/db_data/postmaster.pid aside (postmaster.pid.stale) via podman unshare, then podman start ${db.name}`,
    );
    const calls: string[] = [];
    const podman = {
      stop: async (name: string) => void calls.push(`stop ${name}`),
      start: async (name: string) => void calls.push(`start ${name}`),
      remote: async () => ({ remote: false }),
      unshare: { run: async (argv: string[]) => void calls.push(`unshare ${argv.join(' ')}`) },
    };
    await f?.fix?.apply(podman as never);
    const pid = `${BASE}/db_data/postmaster.pid`;
    expect(calls).toEqual([`stop ${db.name}`, `unshare mv -- ${pid} ${pid}.stale`, `start ${db.name}`]);
  });

  it('a service that really runs is not "repaired" from an old log line', async () => {
    const at = new Date('2026-11-28T05:30:00Z');
    const settled = {
      ...db,
      running: true,
      state: 'running',
      restartCount: 3,
      startedAt: '2026-11-28T04:30:04Z',
    };
    const found = await findings({
      containers: [settled, nginx],
      logs: { [db.name]: recordedLog('pg-stale-postmaster-pid') },
      settings: { now: () => at },
    });
    expect(found.filter((f) => f.fix)).toEqual([]);
  });

  it('an unknown failure is still an error, with its exit code and last meaningful line', async () => {
    const [f] = await findings({
      containers: [down(db, 3), nginx],
      logs: { [db.name]: ['starting', 'custom-entrypoint: error: /secrets/pw is missing', 'bye'] },
    });
    expect(f).toMatchObject({
      check: 'PHX-SVC-001',
      severity: 'error',
      evidence: { exitCode: 3, line: 'custom-entrypoint: error: /secrets/pw is missing' },
    });
  });

  it('a service stopped by the user (exit 0) is info, not an error', async () => {
    const found = await findings({ containers: [down(db, 0), nginx] });
    expect(found.map((f) => [f.check, f.severity])).toEqual([['PHX-SVC-006', 'info']]);
  });

  it('a container created but never started: the reason comes from a throwaway start with its user', async () => {
    const created = { ...nginx, state: 'created', running: false, startedAt: null, user: 'appuser' };
    const ctx = fakeContext({
      containers: [created, db],
      run: {
        '/bin/sh': {
          exitCode: 125,
          stdout: '',
          stderr: recordedLog('podman-start-user-missing').join('\n'),
        },
      },
    });
    const [f] = (await runDoctor(ctx, serviceChecks)).findings;
    expect(f).toMatchObject({ check: 'PHX-LOG-RUN-002', evidence: { state: 'created' } });
    expect(f?.message).toMatch(/was created but never started: Error: unable to find user appuser/);
  });

  it('a service without a container while the others run: its missing image is named', async () => {
    const found = await findings({ containers: [db], images: ['postgres:15'] });
    expect(found.map((f) => f.check)).toEqual(['PHX-LOG-RUN-001']);
    expect(found[0]?.message).toBe(
      'service nginx has no container: image nginx:stable is not in local storage',
    );
  });
});
