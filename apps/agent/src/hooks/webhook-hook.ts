import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PhoenixEvent } from '@phoenix-hydra/core';
import type { HookFailure } from './command-hook.ts';
import { SIGNATURE_HEADER, signBody } from './signature.ts';

/** Where and how an event is POSTed. */
export interface WebhookOptions {
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

async function attempt(body: string, event: PhoenixEvent, delivery: string, options: WebhookOptions) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': options.userAgent,
    'x-phoenix-event': event.type,
    'x-phoenix-delivery': delivery,
    ...options.headers,
  };
  if (options.secret !== undefined) headers[SIGNATURE_HEADER] = signBody(options.secret, body);
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.any(signals),
      redirect: 'error',
    });
    await response.body?.cancel();
    if (response.ok) return { failure: null, retry: false };
    const failure: HookFailure = { reason: 'http', message: `${options.url} answered ${response.status}` };
    return { failure, retry: retryable(response.status) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const message = `${options.url}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`;
    return { failure: { reason: 'network', message } satisfies HookFailure, retry: true };
  }
}

/**
 * POSTs the event as JSON with an HMAC-SHA256 signature of the body, retrying network errors, 408, 429
 * and 5xx with exponential backoff (with jitter, at most 5 min apart). The same delivery id is sent on
 * every attempt so a receiver can drop duplicates. Resolves null when delivered, the last failure otherwise.
 */
export async function sendWebhook(event: PhoenixEvent, options: WebhookOptions): Promise<HookFailure | null> {
  const body = JSON.stringify(event);
  const delivery = randomUUID();
  for (let n = 0; ; n++) {
    const { failure, retry } = await attempt(body, event, delivery, options);
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
