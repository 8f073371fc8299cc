import type { PhoenixEvent } from '@phoenix-hydra/core';
import type { HookConfig } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { AgentMetrics } from '../metrics/agent-metrics.ts';
import { type HookFailure, hookEnvironment, runCommandHook } from './command-hook.ts';
import { sendWebhook } from './webhook-hook.ts';
import { WorkQueue } from './work-queue.ts';

/** Command hooks queue this many events each; webhooks as configured (`webhook.queue`). */
const COMMAND_QUEUE_LIMIT = 100;

/** The configured hooks, each with its own queue: one slow or failing hook never delays another. */
export interface HookDispatcher {
  deliver(event: PhoenixEvent): void;
  /** Lets queued deliveries finish for up to `timeoutMs`, then drops the rest (counted). */
  close(timeoutMs: number): Promise<void>;
}

/** Builds the dispatcher; a failing hook is logged and counted in phoenix_hook_failures_total, never thrown. */
export function createHookDispatcher(
  hooks: readonly HookConfig[],
  deps: { log: Logger; metrics: AgentMetrics; env: NodeJS.ProcessEnv; userAgent: string },
): HookDispatcher {
  const stopping = new AbortController();
  let closing = false;
  const queues = hooks.map((hook) => {
    const log = deps.log.child({ hook: hook.name });
    const failed = (event: PhoenixEvent, failure: HookFailure) => {
      deps.metrics.hookFailures.inc({ hook: hook.name, reason: failure.reason });
      log.warn({ type: event.type, reason: failure.reason }, `hook ${hook.name} failed: ${failure.message}`);
    };
    const run = async (event: PhoenixEvent) => {
      const started = performance.now();
      const failure = hook.webhook
        ? await sendWebhook(event, {
            url: hook.webhook.url,
            secret: hook.webhook.secretEnv ? deps.env[hook.webhook.secretEnv] : undefined,
            headers: hook.webhook.headers,
            timeoutMs: hook.timeout,
            retries: hook.webhook.retries,
            backoffMs: hook.webhook.backoff,
            userAgent: deps.userAgent,
            signal: stopping.signal,
            onRetry: (n, f, delay) =>
              log.info({ type: event.type, attempt: n }, `${f.message}; retrying in ${Math.round(delay)} ms`),
          })
        : await runCommandHook(event, {
            argv: hook.command ?? [],
            timeoutMs: hook.timeout,
            env: hookEnvironment(deps.env, hook.env ?? []),
            signal: stopping.signal,
          });
      if (failure) failed(event, failure);
      else log.debug({ type: event.type, ms: Math.round(performance.now() - started) }, 'hook delivered');
    };
    const queue = new WorkQueue<PhoenixEvent>(run, {
      limit: hook.webhook?.queue ?? COMMAND_QUEUE_LIMIT,
      onDrop: (event) =>
        failed(event, {
          reason: closing ? 'shutdown' : 'queue_full',
          message: closing ? 'dropped at shutdown' : 'queue full: oldest event dropped',
        }),
    });
    const wants = new Set<string>(hook.events);
    return { wants, queue };
  });
  return {
    deliver(event) {
      for (const { wants, queue } of queues) {
        if (wants.has('*') || wants.has(event.type)) queue.push(event);
      }
    },
    async close(timeoutMs) {
      closing = true;
      const drained = Promise.all(queues.map(({ queue }) => queue.close(timeoutMs)));
      const timer = setTimeout(() => stopping.abort(), timeoutMs);
      await drained;
      clearTimeout(timer);
      stopping.abort();
    },
  };
}
