import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { type Job, Scheduler } from './scheduler.ts';

const log = createLogger('silent');
const job = (name: string, run: Job['run'], lane = 'storage'): Job => ({
  name,
  schedule: null,
  jitterMs: 0,
  lane,
  run,
});
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('Scheduler', () => {
  it('runs jobs of one lane one at a time and skips a job that is still pending', async () => {
    const scheduler = new Scheduler(log);
    const order: string[] = [];
    const slow = job('backup', async () => {
      order.push('backup:start');
      await tick(50);
      order.push('backup:end');
    });
    scheduler.trigger(slow);
    scheduler.trigger(job('prune', async () => void order.push('prune')));
    scheduler.trigger(slow); // still running: skipped
    await tick(150);
    expect(order).toEqual(['backup:start', 'backup:end', 'prune']);
    await scheduler.stop(0);
  });

  it('lets a running job finish within the grace period', async () => {
    const scheduler = new Scheduler(log);
    let aborted = false;
    scheduler.trigger(
      job('backup', async (signal) => {
        await tick(50);
        aborted = signal.aborted;
      }),
    );
    await tick();
    await scheduler.stop(1000);
    expect(aborted).toBe(false);
  });

  it('aborts a running job after the grace period and waits for it to clean up', async () => {
    const scheduler = new Scheduler(log);
    let cleaned = false;
    scheduler.trigger(
      job(
        'backup',
        (signal) =>
          new Promise<void>((resolve) => {
            signal.addEventListener('abort', () => {
              cleaned = true;
              resolve();
            });
          }),
      ),
    );
    await tick();
    await scheduler.stop(30);
    expect(cleaned).toBe(true);
    scheduler.trigger(job('late', async () => expect.unreachable()));
    await tick();
  });
});
