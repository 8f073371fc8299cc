import { phoenixEventSchema } from '@phoenix-hydra/core';
import { Cron } from 'croner';
import { z } from 'zod';
import {
  HEADER_NAME,
  HEADER_VALUE,
  listenProblem,
  MAX_TIMER_MS,
  parseBytes,
  parseDuration,
  parseFraction,
} from './units.ts';

/** Every event type a hook may subscribe to, from core's shared schema. */
export const EVENT_TYPES = phoenixEventSchema.options.map((o) => o.shape.type.value);

const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `not a duration: "${value}" (write 30s, 10m, 26h, 7d)` });
    return z.NEVER;
  }
  if (ms > MAX_TIMER_MS) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is longer than the 24 days a timer can wait` });
    return z.NEVER;
  }
  return ms;
});

/** An interval the agent repeats or waits on: 0 would spin. */
const interval = duration.refine((ms) => ms > 0, {
  message: 'must be more than 0 (0 would run without pause)',
});

const bytes = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const n = parseBytes(value);
  if (n === null) {
    ctx.addIssue({ code: 'custom', message: `not a size: "${value}" (write 1GB, 512MiB, 64M)` });
    return z.NEVER;
  }
  return n;
});

const fraction = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const n = parseFraction(value);
  if (n === null) {
    ctx.addIssue({ code: 'custom', message: `not a share: "${value}" (write 5% or 0.05)` });
    return z.NEVER;
  }
  return n;
});

/** A cron pattern croner accepts (5 fields, or 6 with seconds), or null to switch the job off. */
const schedule = z
  .string()
  .nullable()
  .superRefine((pattern, ctx) => {
    if (pattern === null) return;
    try {
      new Cron(pattern, { paused: true }).stop();
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a cron pattern: ${(error as Error).message}` });
    }
  });

const count = z.number().int().min(0);

const jobSchema = (pattern: string | null, jitter: string) => ({
  schedule: schedule.default(pattern),
  /** A random delay up to this long before each run, so a fleet does not hit storage at the same second. */
  jitter: duration.prefault(jitter),
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

const hookSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only'),
    events: z
      .array(z.enum([...EVENT_TYPES, '*']))
      .min(1)
      .default(['*']),
    /** argv of a program run without a shell; the event JSON arrives on its stdin. */
    command: z.array(z.string().min(1)).min(1).optional(),
    /** Names of the agent's environment variables a command hook gets besides PATH, HOME, LANG, XDG_RUNTIME_DIR. */
    env: z.array(envName).optional(),
    timeout: interval.prefault('30s'),
    webhook: z
      .strictObject({
        url: z.url({ protocol: /^https?$/ }),
        /** Environment variable holding the HMAC-SHA256 key; the secret never sits in the file. */
        secretEnv: envName.optional(),
        retries: count.default(5),
        backoff: duration.prefault('1s'),
        queue: z.number().int().min(1).default(100),
        headers: z
          .record(z.string(), z.string())
          .superRefine((headers, ctx) => {
            for (const [name, value] of Object.entries(headers)) {
              const message = !HEADER_NAME.test(name)
                ? 'not an HTTP header name'
                : HEADER_VALUE.test(value)
                  ? undefined
                  : 'a header value holds no CR, LF or other control character';
              if (message !== undefined) ctx.addIssue({ code: 'custom', path: [name], message });
            }
          })
          .default({}),
      })
      .optional(),
  })
  .superRefine((hook, ctx) => {
    if ((hook.command === undefined) === (hook.webhook === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a hook has either `command` or `webhook`, not both or neither',
      });
    }
    if (hook.webhook !== undefined && hook.env !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['env'],
        message: '`env` passes variables to a command hook; a webhook has none to pass',
      });
    }
  });

/** The agent's YAML configuration; every field has a default, so an empty file is a working agent. */
export const agentConfigSchema = z.strictObject({
  /** Which stack: the CLI's --compose, --project and --base-dir (relative paths: from the config file). */
  stack: z
    .strictObject({
      compose: z.string().optional(),
      project: z.string().optional(),
      baseDir: z.string().optional(),
    })
    .prefault({}),
  backup: z
    .strictObject({
      ...jobSchema('0 3 * * *', '10m'),
      /** The CLI's --to; default ~/.local/state/phoenix-hydra/backups ($XDG_STATE_HOME, PHOENIX_BACKUP_DIR). */
      dir: z.string().optional(),
      volumes: z.array(z.string()).optional(),
      stop: z.boolean().default(false),
      compression: z.enum(['zstd', 'gzip']).default('zstd'),
      pgUser: z.string().optional(),
      pgDatabase: z.string().optional(),
      pgPasswordEnv: z.string().optional(),
      /** /healthz fails when the newest backup of a volume is older than this. */
      maxAge: interval.prefault('26h'),
      /** On SIGTERM a running backup may finish for this long, then it is aborted (0: abort at once). */
      shutdownGrace: duration.prefault('60s'),
    })
    .prefault({}),
  /**
   * Off-host backups into a restic repository: their own uncompressed backup (so restic deduplicates it)
   * of backup.volumes, on `schedule` and/or right after each scheduled local backup. Absent: off.
   */
  offsite: z
    .strictObject({
      ...jobSchema(null, '10m'),
      afterBackup: z.boolean().default(false),
      /** Any restic location; default: the compose file's x-phoenix.offsite.repo. */
      repo: z.string().min(1).optional(),
      /** File holding the password (RESTIC_PASSWORD_FILE); relative paths: from the config file. */
      passwordFile: z.string().min(1).optional(),
      /** Environment variable of the agent holding the password. */
      passwordEnv: envName.optional(),
      password: z
        .never({
          error:
            'the password never sits in the config: name a file (passwordFile) or a variable (passwordEnv)',
        })
        .optional(),
    })
    .superRefine((offsite, ctx) => {
      if (offsite.passwordFile !== undefined && offsite.passwordEnv !== undefined)
        ctx.addIssue({ code: 'custom', message: 'set passwordFile or passwordEnv, not both' });
      if (offsite.schedule === null && !offsite.afterBackup)
        ctx.addIssue({
          code: 'custom',
          message: 'never runs: set a schedule, or afterBackup: true (or remove the offsite section)',
        });
    })
    .optional(),
  verify: z.strictObject({ ...jobSchema('30 4 * * 0', '30m') }).prefault({}),
  prune: z
    .strictObject({
      ...jobSchema('0 5 * * *', '10m'),
      keep: z
        .strictObject({
          last: count.optional(),
          daily: count.optional(),
          weekly: count.optional(),
          monthly: count.optional(),
          yearly: count.optional(),
        })
        .refine((keep) => Object.values(keep).some((n) => (n ?? 0) > 0), {
          message: 'keeps nothing: set at least one of last, daily, weekly, monthly, yearly above 0',
        })
        .default({ last: 7, daily: 7, weekly: 4, monthly: 6 }),
    })
    .prefault({}),
  checks: z
    .strictObject({ ...jobSchema('*/15 * * * *', '1m'), atStart: z.boolean().default(true) })
    .prefault({}),
  monitor: z
    .strictObject({
      /** How often changed directories are re-read and statfs sampled. */
      interval: interval.prefault('15s'),
      /** A full rescan of every volume, which corrects anything the file watches missed. */
      fullScan: interval.prefault('1h'),
      /** Above this many directories a volume is not watched but rescanned every `fullScan`. */
      maxWatchedDirs: z.number().int().min(1).default(8192),
      /** Quiet time after the last change in the nginx configuration before `nginx -t` runs. */
      configDebounce: duration.prefault('2s'),
      validateConfig: z.boolean().default(true),
      podmanEvents: z.boolean().default(true),
      /** Forward the events `phoenix-volumes` writes to its event log. */
      eventLog: z.boolean().default(true),
    })
    .prefault({}),
  thresholds: z
    .strictObject({
      /** A firing threshold resolves only once the value is this much (relative) on the good side. */
      hysteresis: fraction.prefault('10%'),
      minAvail: z
        .strictObject({ database: bytes.prefault('10GB'), default: bytes.prefault('1GB') })
        .prefault({}),
      minFreeInodes: fraction.prefault('5%'),
      /** Largest size of a volume, by volume name. */
      maxUsed: z.record(z.string(), bytes).prefault({ logs: '1GiB' }),
    })
    .prefault({}),
  hooks: z.array(hookSchema).default([]),
  metrics: z
    .strictObject({
      /** host:port of /metrics and /healthz; loopback unless you mean otherwise. */
      listen: z
        .string()
        .superRefine((listen, ctx) => {
          const problem = listenProblem(listen);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
        })
        .default('127.0.0.1:9469'),
    })
    .prefault({}),
  log: z
    .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') })
    .prefault({}),
});

/** The validated configuration: durations in milliseconds, sizes in bytes, shares as fractions. */
export type AgentConfig = z.output<typeof agentConfigSchema>;
/** One configured hook. */
export type HookConfig = AgentConfig['hooks'][number];
