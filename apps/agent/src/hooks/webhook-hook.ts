import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PhoenixEvent } from '@phoenix-hydra/core';
import type { HookFailure } from './command-hook.ts';
import { SIGNATURE_HEADER, signPayload, TIMESTAMP_HEADER } from './signature.ts';
import { type WebhookTarget, webhookTarget } from './webhook-target.ts';

/** Where and how an event is POSTed. */
export interface WebhookOptions {
  /** As configured; `user:password@` is sent as HTTP Basic authentication, and never logged. */
  url: string;
  secret?: string | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  userAgent: string;
  /** Aborts waiting and sending (shutdown). */
  signal?: AbortSignal | undefined;
  /** Told about each failed attempt that will be retried. */
  onRetry?: ((attempt: number, failure: HookFailure, delayMs: number) => void) | undefined;
}

const MAX_DELAY_MS = 5 * 60_000;

/** Status codes worth another try: the receiver may be restarting or rate-limiting. */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

async function attempt(
  body: string,
  event: PhoenixEvent,
  delivery: string,
  target: WebhookTarget,
  options: WebhookOptions,
) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': options.userAgent,
    'x-phoenix-event': event.type,
    'x-phoenix-delivery': delivery,
    ...(target.authorization === null ? {} : { authorization: target.authorization }),
    ...options.headers,
  };
  if (options.secret !== undefined) {
    // Signed anew on each attempt: a receiver refuses calls signed long ago (replays).
    const timestamp = Math.floor(Date.now() / 1000);
    headers[TIMESTAMP_HEADER] = String(timestamp);
    headers[SIGNATURE_HEADER] = signPayload(options.secret, timestamp, body);
  }
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.any(signals),
      redirect: 'error',
    });
    await response.body?.cancel();
    if (response.ok) return { failure: null, retry: false };
    const failure: HookFailure = { reason: 'http', message: `${target.shown} answered ${response.status}` };
    return { failure, retry: retryable(response.status) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const message = target.redact(
      `${target.shown}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
    );
    return { failure: { reason: 'network', message } satisfies HookFailure, retry: true };
  }
}

/**
 * POSTs the event as JSON, signed (HMAC-SHA256 of the timestamp and the body) when there is a secret,
 * retrying network errors, 408, 429 and 5xx with exponential backoff (with jitter, at most 5 min
 * apart). The same delivery id is sent on every attempt so a receiver can drop duplicates. Failures name the URL without its password or
 * query values. Resolves null when delivered, the last failure otherwise.
 */
export async function sendWebhook(event: PhoenixEvent, options: WebhookOptions): Promise<HookFailure | null> {
  const body = JSON.stringify(event);
  const delivery = randomUUID();
  const target = webhookTarget(options.url);
  for (let n = 0; ; n++) {
    const { failure, retry } = await attempt(body, event, delivery, target, options);
    if (failure === null) return null;
    if (!retry || n >= options.retries || options.signal?.aborted) return failure;
    const delay = Math.min(MAX_DELAY_MS, options.backoffMs * 2 ** n) * (0.8 + Math.random() * 0.4);
    options.onRetry?.(n + 1, failure, delay);
    try {
      await sleep(delay, undefined, { signal: options.signal });
    } catch {
      return { reason: 'shutdown', message: `${failure.message}; not retried: the agent is stopping` };
    }
  }
}
