import type { DoctorContext } from '@phoenix-hydra/diagnostics';
import type { ContainerInfo } from '@phoenix-hydra/podman-adapter';
import { describe, expect, it } from 'vitest';
import { createAgentMetrics } from '../metrics/agent-metrics.ts';
import { exportServiceStates } from './service-metrics.ts';

const now = new Date('2026-11-28T05:00:00Z');
// How podman 4.3 inspect shows a crash-looping and a running container (see podman-adapter's fixtures).
const container = (name: string, more: Partial<ContainerInfo>): ContainerInfo => ({
  id: name,
  name,
  state: 'running',
  running: true,
  exitCode: 0,
  oomKilled: false,
  restarting: false,
  restartCount: 0,
  startedAt: '2026-11-28T04:00:00Z',
  finishedAt: null,
  health: null,
  error: '',
  user: '',
  mounts: [],
  labels: {},
  image: 'postgres:15',
  imageId: 'x',
  ...more,
});

function doctor(services: { name: string; container: ContainerInfo | null }[]): DoctorContext {
  return {
    stack: { project: 'phoenix-hydra' },
    settings: { now: () => now },
    services: async () =>
      services.map(({ name, container: c }) => ({ service: { name, mounts: [] }, container: c })),
  } as unknown as DoctorContext;
}

describe('service state metrics', () => {
  it('phoenix_container_up and phoenix_container_restarts per service, the states status shows', async () => {
    const metrics = createAgentMetrics();
    const states = await exportServiceStates(
      doctor([
        {
          name: 'db',
          container: container('p_db_1', { state: 'exited', running: false, exitCode: 1, restartCount: 7 }),
        },
        { name: 'nginx', container: container('p_nginx_1', {}) },
        { name: 'app', container: null },
      ]),
      metrics,
    );
    expect(states.map((s) => [s.service, s.state])).toEqual([
      ['db', 'restarting'],
      ['nginx', 'running'],
      ['app', 'not-created'],
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('phoenix_container_up{project="phoenix-hydra",service="db"} 0');
    expect(text).toContain('phoenix_container_up{project="phoenix-hydra",service="nginx"} 1');
    expect(text).toContain('phoenix_container_up{project="phoenix-hydra",service="app"} 0');
    expect(text).toContain('phoenix_container_restarts{project="phoenix-hydra",service="db"} 7');
  });
});
