import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createEvent, eventLogPath, type PhoenixEvent } from '@phoenix-hydra/core';

type EventInput = Parameters<typeof createEvent>[0];

/**
 * Appends an event to the JSON-lines event log (0600) the agent forwards to hooks and metrics.
 * Never fails the command: an event that cannot be written is reported on stderr.
 */
export async function raiseEvent(
  input: EventInput,
  path = eventLogPath(),
): Promise<PhoenixEvent | undefined> {
  try {
    const event = createEvent(input);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await appendFile(path, `${JSON.stringify(event)}\n`, { mode: 0o600 });
    return event;
  } catch (error) {
    process.stderr.write(`warning: could not record event ${input.type}: ${(error as Error).message}\n`);
    return undefined;
  }
}
