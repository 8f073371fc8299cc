import { Cron } from 'croner';
import type { Logger } from '../logger.ts';

/** A job the agent runs on a cron schedule. */
export interface Job {
  name: string;
  /** Cron pattern (5 fields, or 6 with seconds); null: never on a schedule. */
  schedule: string | null;
  /** Each run waits a random 0..jitterMs first. */
  jitterMs: number;
  /** Jobs of one lane run one at a time (backup, verify and prune share the backup directory and lock). */
  lane: string;
  /** Aborting the signal asks the job to stop cleanly (shutdown after the grace period). */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * Runs jobs on their schedules with jitter, one at a time per lane; a run that is still pending or
 * running when its next time comes is skipped, not queued twice. stop() stops scheduling at once.
 */
export class Scheduler {
  readonly #log: Logger;
  readonly #crons: Cron[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #lanes = new Map<string, Promise<void>>();
  readonly #busy = new Set<string>();
  readonly #abort = new AbortController();
  #stopped = false;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Names of jobs waiting in their lane or running. */
  get busy(): readonly string[] {
    return [...this.#busy];
  }

  add(job: Job): void {
    if (job.schedule === null) return;
    const cron = new Cron(job.schedule, { catch: true }, () => this.trigger(job, true));
    this.#crons.push(cron);
    this.#log.info(
      { job: job.name, schedule: job.schedule, next: cron.nextRun()?.toISOString() },
      'scheduled',
    );
  }

  /** Runs the job now (after its jitter when `jitter`), unless it is already pending or running. */
  trigger(job: Job, jitter = false): void {
    if (this.#stopped) return;
    if (this.#busy.has(job.name)) {
      this.#log.warn({ job: job.name }, `${job.name} is still pending or running; this run is skipped`);
      return;
    }
    this.#busy.add(job.name);
    const delay = jitter ? Math.floor(Math.random() * job.jitterMs) : 0;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#stopped) {
        this.#busy.delete(job.name);
        return;
      }
      this.#enqueue(job);
    }, delay);
    this.#timers.add(timer);
  }

  #enqueue(job: Job): void {
    const previous = this.#lanes.get(job.lane) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (this.#stopped) return;
      const started = performance.now();
      this.#log.info({ job: job.name }, `${job.name} started`);
      try {
        await job.run(this.#abort.signal);
        this.#log.info(
          { job: job.name, seconds: (performance.now() - started) / 1000 },
          `${job.name} finished`,
        );
      } catch (error) {
        this.#log.error({ job: job.name, err: error }, `${job.name} failed: ${(error as Error).message}`);
      }
    });
    const settled = next.finally(() => this.#busy.delete(job.name));
    this.#lanes.set(job.lane, settled);
  }

  /**
   * Stops scheduling (pending jitter waits are dropped), lets running jobs go on for `graceMs`, then
   * aborts them and waits until they cleaned up.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    for (const cron of this.#crons) cron.stop();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const all = Promise.all(this.#lanes.values());
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace'>((resolve) => {
      timer = setTimeout(() => resolve('grace'), graceMs);
    });
    if ((await Promise.race([all.then(() => 'done' as const), graceOver])) === 'grace') {
      this.#log.warn({ running: this.busy }, 'aborting running jobs: the shutdown grace period is over');
      this.#abort.abort();
    }
    clearTimeout(timer);
    await all;
  }
}
