// Orchestration against the adapter's fake podman: the order of stops, starts and removals, in milliseconds.
// The same paths run on real rootless podman in apps/cli/test/*.e2e.test.ts.
import { defaultStack } from '@phoenix-hydra/core';
import { HELPER_LABEL } from '@phoenix-hydra/podman-adapter';
import { createFakePodman, fakeContainer } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { withStoppedContainers } from './backup/stopped-containers.ts';
import { applyCleanup, type CleanupPlan, usersInTheWay } from './cleanup/cleanup.ts';

const stack = defaultStack({ project: 'p', baseDir: '/nonexistent/phx-fake' });

describe('withStoppedContainers', () => {
  it('starts every stopped container again, in reverse order, when the work fails', async () => {
    const podman = createFakePodman({ containers: [fakeContainer('p_db_1'), fakeContainer('p_nginx_1')] });
    const lines: string[] = [];
    await expect(
      withStoppedContainers(
        podman,
        ['p_db_1', 'p_nginx_1'],
        (l) => lines.push(l),
        async () => {
          expect((await podman.ps()).map((c) => c.name)).toEqual([]);
          throw new Error('pg_restore failed');
        },
      ),
    ).rejects.toThrow('pg_restore failed');
    expect((await podman.ps()).map((c) => c.name).sort()).toEqual(['p_db_1', 'p_nginx_1']);
    expect(
      podman.calls
        .filter((c) => c.method === 'stop' || c.method === 'start')
        .map((c) => `${c.method} ${c.args[0]}`),
    ).toEqual(['stop p_db_1', 'stop p_nginx_1', 'start p_nginx_1', 'start p_db_1']);
  });

  it('says so, with the command that fixes it, when a container does not run again', async () => {
    const podman = createFakePodman({
      containers: [fakeContainer('p_db_1')],
      overrides: { start: async () => undefined }, // podman start "succeeds" but the container stays down
    });
    const lines: string[] = [];
    await withStoppedContainers(
      podman,
      ['p_db_1'],
      (l) => lines.push(l),
      async () => 'done',
    );
    expect(lines.at(-1)).toMatch(
      /could not start p_db_1 again: it is exited after podman start\nhint: podman start p_db_1/,
    );
  });
});

describe('applyCleanup', () => {
  const plan = (running: boolean): CleanupPlan => ({
    items: [{ volume: 'logs', kind: 'volume', path: null, bytes: 0, files: 0, namedVolume: 'p_logs' }],
    users: [{ container: 'p_nginx_1', running, volumes: ['logs'], helper: false }],
    baseDir: stack.baseDir,
  });

  it('refuses volumes in use without --stop, naming the container, and removes nothing', async () => {
    const podman = createFakePodman({ containers: [fakeContainer('p_nginx_1')] });
    await expect(applyCleanup(podman, plan(true), { stop: false })).rejects.toMatchObject({
      code: 'VOLUME_IN_USE',
    });
    expect(podman.calls.map((c) => c.method)).toEqual([]);
  });

  it('with --stop, stops and removes the containers before the safety backup and before any deletion', async () => {
    const podman = createFakePodman({ containers: [fakeContainer('p_nginx_1')] });
    await podman.volumeCreate('p_logs', { device: '/nonexistent/phx-fake/logs' });
    podman.calls.length = 0;
    const order: string[] = [];
    await applyCleanup(podman, plan(true), {
      stop: true,
      onStep: (s) => order.push(s),
      beforeDelete: async () => {
        order.push('safety backup');
      },
    });
    expect(order).toEqual([
      'stopping p_nginx_1',
      'removing container p_nginx_1',
      'safety backup',
      'removing podman volume p_logs',
    ]);
    expect(await podman.volumeInspect('p_logs')).toBeNull();
    expect(podman.containers.size).toBe(0);
  });

  it('removes a helper a killed command left without --stop, with its anonymous volumes; a running one still needs --stop', async () => {
    const helper = {
      ...fakeContainer('phoenix-helper-1a2b', { running: false }),
      labels: { [HELPER_LABEL]: '1' },
    };
    const left = (running: boolean): CleanupPlan => ({
      ...plan(false),
      users: [{ container: helper.name, running, volumes: ['logs'], helper: true }],
    });
    const podman = createFakePodman({ containers: [helper] });
    await podman.volumeCreate('p_logs', { device: '/nonexistent/phx-fake/logs' });
    expect(usersInTheWay(left(false))).toEqual([]);
    const steps: string[] = [];
    await applyCleanup(podman, left(false), { stop: false, onStep: (s) => steps.push(s) });
    expect(steps[0]).toMatch(/^removing helper container phoenix-helper-1a2b .* and its anonymous volumes$/);
    expect(podman.calls.find((c) => c.method === 'removeContainer')?.args).toEqual([
      'phoenix-helper-1a2b',
      { anonymousVolumes: true },
    ]);
    expect(await podman.volumeInspect('p_logs')).toBeNull();

    const busy = createFakePodman({ containers: [{ ...helper, running: true }] });
    await expect(applyCleanup(busy, left(true), { stop: false })).rejects.toMatchObject({
      code: 'VOLUME_IN_USE',
    });
  });

  it("removes the stack's own containers without their anonymous volumes", async () => {
    const podman = createFakePodman({ containers: [fakeContainer('p_nginx_1', { running: false })] });
    await podman.volumeCreate('p_logs', { device: '/nonexistent/phx-fake/logs' });
    await applyCleanup(podman, plan(false), { stop: true });
    expect(podman.calls.find((c) => c.method === 'removeContainer')?.args).toEqual([
      'p_nginx_1',
      { anonymousVolumes: false },
    ]);
  });
});
