import { z } from 'zod';

const base = {
  /** ISO-8601 time the event was raised. */
  time: z.string(),
  project: z.string(),
};

const volumeField = { volume: z.string() };

/** Every event the CLI and the agent raise, one schema for hooks, logs and monitoring. */
export const phoenixEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('backup.started'),
    ...base,
    /** Unknown until the backup is written; `backup.completed` carries it. */
    backupId: z.string().optional(),
    volumes: z.array(z.string()),
  }),
  z.object({
    type: z.literal('backup.completed'),
    ...base,
    backupId: z.string(),
    volumes: z.array(z.string()),
    bytes: z.number(),
    durationSeconds: z.number(),
    path: z.string(),
  }),
  z.object({
    type: z.literal('backup.failed'),
    ...base,
    backupId: z.string().optional(),
    volumes: z.array(z.string()),
    error: z.object({ code: z.string(), message: z.string() }),
  }),
  /** A backup stored as one snapshot in an off-host (restic) repository; `repository` never holds credentials. */
  z.object({
    type: z.literal('offsite.done'),
    ...base,
    backupId: z.string(),
    repository: z.string(),
    snapshot: z.string(),
    bytesAdded: z.number(),
    bytesProcessed: z.number(),
    durationSeconds: z.number(),
  }),
  z.object({
    type: z.literal('offsite.failed'),
    ...base,
    backupId: z.string().optional(),
    repository: z.string(),
    error: z.object({ code: z.string(), message: z.string() }),
  }),
  z.object({
    type: z.literal('restore.completed'),
    ...base,
    backupId: z.string(),
    volumes: z.array(z.string()),
  }),
  z.object({
    type: z.literal('restore.failed'),
    ...base,
    backupId: z.string(),
    volumes: z.array(z.string()),
    error: z.object({ code: z.string(), message: z.string() }),
  }),
  z.object({
    type: z.literal('config.changed'),
    ...base,
    ...volumeField,
    files: z.array(z.string()),
    valid: z.boolean().optional(),
    message: z.string().optional(),
  }),
  z.object({
    type: z.literal('disk.threshold'),
    ...base,
    ...volumeField,
    metric: z.enum(['avail_bytes', 'files_free', 'used_bytes']),
    state: z.enum(['firing', 'resolved']),
    value: z.number(),
    threshold: z.number(),
  }),
  z.object({ type: z.literal('volume.mounted'), ...base, ...volumeField, container: z.string() }),
  z.object({ type: z.literal('volume.unmounted'), ...base, ...volumeField, container: z.string() }),
  /** A container of the stack ended without anyone stopping it (a crash, an OOM kill, a failed start). */
  z.object({
    type: z.literal('service.down'),
    ...base,
    service: z.string().nullable(),
    container: z.string(),
    exitCode: z.number().nullable(),
  }),
  z.object({
    type: z.literal('check.failed'),
    ...base,
    check: z.string(),
    volume: z.string().optional(),
    message: z.string(),
  }),
]);
export type PhoenixEvent = z.infer<typeof phoenixEventSchema>;
export type PhoenixEventType = PhoenixEvent['type'];

/** Distributes Omit over the union so callers name only the fields of their event type. */
type EventInput<E> = E extends PhoenixEvent ? Omit<E, 'time'> & { time?: string } : never;

/** Builds a validated event, stamping the time; throws if the fields do not match the type. */
export function createEvent(input: EventInput<PhoenixEvent>): PhoenixEvent {
  return phoenixEventSchema.parse({ time: new Date().toISOString(), ...input });
}
