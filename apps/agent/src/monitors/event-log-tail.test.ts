import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEvent, type PhoenixEvent } from '@phoenix-hydra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { collectingBus } from '../events/collect-bus.ts';
import { createLogger } from '../logger.ts';
import { EventLogTail } from './event-log-tail.ts';

const silent = createLogger('silent');
let tail: EventLogTail | undefined;
afterEach(async () => tail?.stop());

const line = (project: string) =>
  `${JSON.stringify(createEvent({ type: 'backup.started', project, volumes: ['db_data'] }))}\n`;

/** Tails PATH for project p, polling every 20 ms; returns the events it raised (they arrive later). */
async function startTail(path: string) {
  const bus = collectingBus();
  tail = new EventLogTail({ path, project: 'p', log: silent, pollMs: 20, bus });
  await tail.start();
  return bus.raised;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 30));
}

describe('EventLogTail', () => {
  it('forwards events of its project appended after start, skips history, junk and other projects', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'phx-tail-')), 'events.jsonl');
    writeFileSync(path, line('p'));
    const got = (await startTail(path)) as PhoenixEvent[];
    appendFileSync(path, `not json\n{"type":"nope"}\n${line('other')}${line('p')}`);
    await until(() => got.length > 0);
    expect(got.map((e) => [e.type, e.project])).toEqual([['backup.started', 'p']]);
    // Replaced by a new file (rotation): read from its start.
    rmSync(path);
    writeFileSync(path, line('p'));
    await until(() => got.length > 1);
    expect(got).toHaveLength(2);
  });

  it('follows a log that does not exist yet', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'phx-tail-')), 'events.jsonl');
    const got = await startTail(path);
    appendFileSync(path, line('p'));
    await until(() => got.length > 0);
    expect(got).toHaveLength(1);
  });
});
