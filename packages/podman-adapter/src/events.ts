import { createInterface } from 'node:readline';
import { isPhoenixError } from '@phoenix-hydra/core';
import { z } from 'zod';
import { type Filters, filterArgs } from './filters.ts';
import { parseOutput, type RunnerConfig } from './runner.ts';
import { callStream } from './stream.ts';

/** One line of `podman events --format json` (4.3). */
export const eventSchema = z.object({
  ID: z.string().optional(),
  Image: z.string().optional(),
  Name: z.string().optional(),
  Status: z.string(),
  Time: z.string(),
  Type: z.string(),
  ContainerExitCode: z.number().optional(),
  Attributes: z
    .record(z.string(), z.string())
    .nullish()
    .transform((v) => v ?? {}),
});

/** A podman event: `type` is container/volume/image/pod..., `action` start/died/create/remove... */
export interface PodmanEvent {
  type: string;
  action: string;
  id: string | null;
  name: string | null;
  image: string | null;
  time: string;
  exitCode: number | null;
  attributes: Record<string, string>;
}

/** Maps a validated event line to PodmanEvent. */
export function toPodmanEvent(raw: z.output<typeof eventSchema>): PodmanEvent {
  return {
    type: raw.Type,
    action: raw.Status,
    id: raw.ID ?? null,
    name: raw.Name ?? null,
    image: raw.Image ?? null,
    time: raw.Time,
    exitCode: raw.ContainerExitCode ?? null,
    attributes: raw.Attributes,
  };
}

/** Options of an event stream; without `until` it runs until `signal` aborts or the consumer stops iterating. */
export interface EventsOptions {
  filters?: Filters | undefined;
  since?: Date | string | undefined;
  until?: Date | string | undefined;
  signal?: AbortSignal | undefined;
  /** No limit by default: the stream is meant to run as long as the caller listens. */
  timeoutMs?: number | undefined;
}

const timeArg = (flag: string, t: Date | string | undefined) =>
  t === undefined ? [] : [flag, typeof t === 'string' ? t : t.toISOString()];

/** Parsed podman events as an async iterable; breaking out of the loop or aborting stops podman. */
export async function* events(
  config: RunnerConfig,
  options: EventsOptions = {},
): AsyncGenerator<PodmanEvent> {
  const args = [
    'events',
    '--format',
    'json',
    ...filterArgs(options.filters),
    ...timeArg('--since', options.since),
    ...timeArg('--until', options.until),
  ];
  const argv = [config.bin, ...args];
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) return;
  const { stdout, done } = callStream(config, args, {
    signal: stop.signal,
    timeoutMs: options.timeoutMs ?? 0,
  });
  // Failures surface through `done`; the stream's own error event would otherwise be unhandled.
  stdout.on('error', () => undefined);
  try {
    for await (const line of createInterface({ input: stdout, crlfDelay: Number.POSITIVE_INFINITY })) {
      if (line.trim() !== '') yield toPodmanEvent(parseOutput(argv, line, eventSchema));
    }
    await done;
  } catch (error) {
    if (!(options.signal?.aborted && isPhoenixError(error) && error.code === 'ABORTED')) throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}
