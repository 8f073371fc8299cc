import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { phoenixEventSchema } from '@phoenix-hydra/core';
import type { EventBus } from '../events/event-bus.ts';
import type { Logger } from '../logger.ts';

/** Longest line read; a longer one is not an event the CLI wrote. */
const MAX_LINE = 1024 * 1024;

const identity = (st: Stats) => `${st.ino}:${st.birthtimeMs}`;

/**
 * Forwards the events `phoenix-volumes` appends to its JSON-lines event log (core's eventLogPath), so a
 * backup started by hand reaches the same hooks and metrics as the agent's own. Starts at the end of the
 * file (history is not replayed), follows it by stat every `pollMs` (one syscall, also while the file does
 * not exist yet), starts over when the file was truncated or replaced.
 */
export class EventLogTail {
  readonly #deps: { path: string; project: string; bus: EventBus; log: Logger; pollMs: number };
  #offset = 0;
  /** The file read: inode and birth time (an inode number can be reused by the file that replaced it). */
  #identity = '';
  #partial = '';
  #reading: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;

  constructor(deps: { path: string; project: string; bus: EventBus; log: Logger; pollMs: number }) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    const st = await stat(this.#deps.path).catch(() => null);
    if (st) {
      this.#offset = st.size;
      this.#identity = identity(st);
    }
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#reading;
  }

  /**
   * One stat every pollMs, compared with what was read so far (not with the previous stat, as fs.watchFile
   * does: its baseline is taken later, on the thread pool, and an append made meanwhile was never seen).
   */
  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#reading = stat(this.#deps.path)
        .then(
          (current) => this.#read(current),
          (error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error;
          },
        )
        .catch((error: unknown) => {
          this.#deps.log.warn({ err: error, path: this.#deps.path }, 'event log not read');
        })
        .finally(() => this.#schedule());
    }, this.#deps.pollMs);
    this.#timer.unref();
  }

  async #read(current: Stats): Promise<void> {
    if (identity(current) !== this.#identity || current.size < this.#offset) {
      this.#identity = identity(current);
      this.#offset = 0;
      this.#partial = '';
    }
    if (current.size <= this.#offset) return;
    const handle = await open(this.#deps.path, 'r');
    try {
      const length = Math.min(current.size - this.#offset, MAX_LINE);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, this.#offset);
      this.#offset += bytesRead;
      const lines = (this.#partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
      this.#partial = (lines.pop() ?? '').slice(-MAX_LINE);
      for (const line of lines) this.#forward(line);
    } finally {
      await handle.close();
    }
  }

  #forward(line: string): void {
    if (line.trim() === '') return;
    let parsed: ReturnType<typeof phoenixEventSchema.safeParse>;
    try {
      parsed = phoenixEventSchema.safeParse(JSON.parse(line));
    } catch {
      this.#deps.log.warn({ line: line.slice(0, 200) }, 'event log line is not JSON; skipped');
      return;
    }
    if (!parsed.success) {
      this.#deps.log.warn({ line: line.slice(0, 200) }, 'event log line is not a known event; skipped');
      return;
    }
    if (parsed.data.project === this.#deps.project) this.#deps.bus.emit(parsed.data);
  }
}
