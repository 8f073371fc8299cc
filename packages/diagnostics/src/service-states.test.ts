import { defaultStack } from '@phoenix-hydra/core';
import { COMPOSE_PROJECT_LABEL, COMPOSE_WORKING_DIR_LABEL } from '@phoenix-hydra/podman-adapter';
import { describe, expect, it } from 'vitest';
import { recordedContainer } from '../test/doctor-fakes.ts';
import { belongsToStack, serviceState } from './service-states.ts';

const running = recordedContainer('container-inspect-db.json');
const service = { name: 'db', mounts: [] };

describe('service state (recorded containers)', () => {
  it('running, exited with its code, stopped, never started, looping', () => {
    const exited = { ...running, running: false, state: 'exited', finishedAt: '2026-11-28T04:30:03Z' };
    const cases = [
      [running, 'running', null],
      [{ ...exited, exitCode: 1 }, 'exited', 1],
      [{ ...exited, exitCode: 0 }, 'stopped', 0],
      [{ ...exited, exitCode: 1, restartCount: 3 }, 'restarting', 1],
      [{ ...exited, exitCode: 137, oomKilled: true }, 'oom-killed', 137],
      [{ ...exited, state: 'created', startedAt: null }, 'created', null],
      [null, 'not-created', null],
    ] as const;
    for (const [container, state, exitCode] of cases) {
      expect(serviceState({ service, container })).toMatchObject({
        state,
        exitCode,
        up: state === 'running',
      });
    }
  });

  it('a container its restart policy brought back a second ago is still looping, not up', () => {
    const now = Date.parse('2026-11-28T05:00:00Z');
    const back = { ...running, restartCount: 5, startedAt: '2026-11-28T04:59:59Z' };
    expect(serviceState({ service, container: back }, now)).toMatchObject({ state: 'restarting', up: false });
    expect(serviceState({ service, container: back }, now + 60_000)).toMatchObject({
      state: 'running',
      up: true,
    });
  });

  it("a same-named project from another compose file's directory is not this stack's", () => {
    const stack = {
      ...defaultStack({ project: 'phoenix-hydra' }),
      composeFile: '/srv/a/podman-compose.yaml',
    };
    const labels = (dir: string) => ({
      [COMPOSE_PROJECT_LABEL]: 'phoenix-hydra',
      [COMPOSE_WORKING_DIR_LABEL]: dir,
    });
    expect(belongsToStack(stack, labels('/srv/a'))).toBe(true);
    expect(belongsToStack(stack, labels('/srv/b'))).toBe(false);
    expect(belongsToStack(stack, { [COMPOSE_PROJECT_LABEL]: 'phoenix-hydra' })).toBe(true);
    expect(belongsToStack({ ...stack, project: 'other' }, { [COMPOSE_WORKING_DIR_LABEL]: '/srv/a' })).toBe(
      true,
    );
  });
});
