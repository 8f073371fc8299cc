import { type Stats, unwatchFile, watchFile } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { phoenixEventSchema } from '@phoenix-hydra/core';
import type { EventBus } from '../events/event-bus.ts';
import type { Logger } from '../logger.ts';

/** Longest line read; a longer one is not an event the CLI wrote. */
const MAX_LINE = 1024 * 1024;

/**
 * Forwards the events `phoenix-volumes` appends to its JSON-lines event log (core's eventLogPath), so a
 * backup started by hand reaches the same hooks and metrics as the agent's own. Starts at the end of the
 * file (history is not replayed), follows it by stat every `pollMs` (one syscall, also while the file does
 * not exist yet), starts over when the file was truncated or replaced.
 */
export class EventLogTail {
  readonly #deps: { path: string; project: string; bus: EventBus; log: Logger; pollMs: number };
  #offset = 0;
  #ino = 0;
  #partial = '';
  #reading: Promise<void> = Promise.resolve();

  constructor(deps: { path: string; project: string; bus: EventBus; log: Logger; pollMs: number }) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    const handle = await open(this.#deps.path, 'r').catch(() => null);
    if (handle) {
      const st = await handle.stat();
      this.#offset = st.size;
      this.#ino = st.ino;
      await handle.close();
    }
    const read = (current: Stats) => {
      this.#reading = this.#reading
        .then(() => this.#read(current))
        .catch((error: unknown) => {
          this.#deps.log.warn({ err: error, path: this.#deps.path }, 'event log not read');
        });
    };
    watchFile(this.#deps.path, { interval: this.#deps.pollMs, persistent: false }, read);
    // watchFile takes its baseline asynchronously: what was appended meanwhile is read here.
    const now = await stat(this.#deps.path).catch(() => null);
    if (now) read(now);
  }

  async stop(): Promise<void> {
    unwatchFile(this.#deps.path);
    await this.#reading;
  }

  async #read(current: Stats): Promise<void> {
    if (current.nlink === 0 && current.size === 0) return; // removed
    if (current.ino !== this.#ino || current.size < this.#offset) {
      this.#ino = current.ino;
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
