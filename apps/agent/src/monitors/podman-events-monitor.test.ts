import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultStack } from '@phoenix-hydra/core';
import { eventSchema, toPodmanEvent } from '@phoenix-hydra/podman-adapter';
import { describe, expect, it } from 'vitest';
import { collectingBus } from '../events/collect-bus.ts';
import { ContainerVolumeEvents } from './podman-events-monitor.ts';

// Recorded on real rootless podman 4.3: create, init, start, exec, exec_died, stop, died, cleanup.
const recorded = readFileSync(join(import.meta.dirname, '../../test/fixtures/events-container.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => toPodmanEvent(eventSchema.parse(JSON.parse(line))));

describe('ContainerVolumeEvents', () => {
  it('raises volume.mounted on start and volume.unmounted on died, once each, for the volumes the container mounts', async () => {
    const stack = defaultStack({ project: 'pa-fixture', baseDir: '/home/u/.local/share/pa-fixture' });
    const bus = collectingBus();
    let inspected = 0;
    const handler = new ContainerVolumeEvents({
      stack,
      podman: {
        inspectContainer: async () => {
          inspected += 1;
          return {
            mounts: [{ name: 'pa-fixture_db_data', source: '/x/_data' }],
          } as unknown as Awaited<
            ReturnType<import('@phoenix-hydra/podman-adapter').Podman['inspectContainer']>
          >;
        },
      },
      bus,
    });
    for (const event of [...recorded, ...recorded.filter((e) => e.action === 'died')])
      await handler.handle(event);
    expect(bus.raised).toEqual([
      { type: 'volume.mounted', project: 'pa-fixture', volume: 'db_data', container: 'pa-fixture_db_1' },
      { type: 'volume.unmounted', project: 'pa-fixture', volume: 'db_data', container: 'pa-fixture_db_1' },
    ]);
    expect(inspected).toBe(1);
  });

  it('ignores containers of other projects', async () => {
    const stack = defaultStack({ project: 'other', baseDir: '/home/u/.local/share/other' });
    const bus = collectingBus();
    const handler = new ContainerVolumeEvents({
      stack,
      podman: { inspectContainer: async () => null },
      bus,
    });
    for (const event of recorded) await handler.handle(event);
    expect(bus.raised).toEqual([]);
  });

  it('raises service.down when a container dies without being stopped, with its exit code', async () => {
    const stack = defaultStack({ project: 'pa-fixture', baseDir: '/home/u/.local/share/pa-fixture' });
    const bus = collectingBus();
    const handler = new ContainerVolumeEvents({ stack, podman: { inspectContainer: async () => null }, bus });
    // The recorded life: started, then `podman stop` (stop, died 137): a stop the user asked for.
    for (const event of recorded) await handler.handle(event);
    expect(bus.raised.filter((e) => e.type === 'service.down')).toEqual([]);
    // Started again, then died on its own (no stop event before it): a crash.
    const start = recorded.find((e) => e.action === 'start');
    const died = recorded.find((e) => e.action === 'died');
    if (!start || !died) throw new Error('fixture lacks start/died');
    await handler.handle(start);
    await handler.handle({ ...died, exitCode: 1 });
    expect(bus.raised.filter((e) => e.type === 'service.down')).toEqual([
      {
        type: 'service.down',
        project: 'pa-fixture',
        service: 'db',
        container: 'pa-fixture_db_1',
        exitCode: 1,
      },
    ]);
  });
});
