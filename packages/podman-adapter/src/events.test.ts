import { describe, expect, it } from 'vitest';
import { readFixture } from '../test/read-fixture.ts';
import { eventSchema, toPodmanEvent } from './events.ts';
import { parseOutput } from './runner.ts';

const lines = (name: string) =>
  readFixture(name)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => toPodmanEvent(parseOutput(['podman', 'events'], l, eventSchema)));

describe('events (recorded)', () => {
  it('parses a container lifecycle with exit codes on exec_died and died', () => {
    const events = lines('events-container.jsonl');
    expect(events.map((e) => e.action)).toEqual([
      'create',
      'init',
      'start',
      'exec',
      'exec_died',
      'stop',
      'died',
      'cleanup',
      'cleanup',
    ]);
    expect(events.find((e) => e.action === 'exec_died')?.exitCode).toBe(3);
    expect(events.find((e) => e.action === 'died')?.exitCode).toBe(137);
    expect(events[2]).toMatchObject({
      type: 'container',
      name: 'pa-fixture_db_1',
      image: 'localhost/phoenix-hydra-test:latest',
      attributes: expect.objectContaining({ 'io.podman.compose.project': 'pa-fixture' }),
    });
  });

  it('parses volume events, whose Attributes are null', () => {
    expect(lines('events-volume.jsonl')).toEqual([
      expect.objectContaining({
        type: 'volume',
        action: 'create',
        name: 'pa-fixture_db_data',
        id: null,
        attributes: {},
      }),
      expect.objectContaining({ type: 'volume', action: 'create', name: 'pa-fixture_plain' }),
    ]);
  });
});
