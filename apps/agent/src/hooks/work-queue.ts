/** What the queue reports about items it could not take or finish. */
export interface WorkQueueOptions<T> {
  /** At most this many items wait; pushing onto a full queue drops the oldest waiting item. */
  limit: number;
  onDrop?: (item: T) => void;
}

/** A bounded FIFO worked through one item at a time, so a slow hook never piles up unbounded memory. */
export class WorkQueue<T> {
  readonly #items: T[] = [];
  readonly #work: (item: T) => Promise<void>;
  readonly #options: WorkQueueOptions<T>;
  #running: Promise<void> | null = null;

  constructor(work: (item: T) => Promise<void>, options: WorkQueueOptions<T>) {
    this.#work = work;
    this.#options = options;
  }

  /** Items waiting (the one being worked on not included). */
  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    if (this.#items.length >= this.#options.limit) {
      const dropped = this.#items.shift();
      if (dropped !== undefined) this.#options.onDrop?.(dropped);
    }
    this.#items.push(item);
    this.#running ??= this.#drain();
  }

  /** Resolves once the queue is empty, or after `timeoutMs`; what is left then is dropped. */
  async close(timeoutMs: number): Promise<void> {
    if (this.#running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#running, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
    for (const item of this.#items.splice(0)) this.#options.onDrop?.(item);
  }

  async #drain(): Promise<void> {
    for (let item = this.#items.shift(); item !== undefined; item = this.#items.shift()) {
      await this.#work(item).catch(() => undefined);
    }
    this.#running = null;
  }
}
