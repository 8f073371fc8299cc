import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEvent } from '@phoenix-hydra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { createAgentMetrics } from '../metrics/agent-metrics.ts';
import { runCommandHook } from './command-hook.ts';
import { createHookDispatcher } from './dispatch-hooks.ts';
import { verifyWebhook } from './signature.ts';
import { sendWebhook } from './webhook-hook.ts';

const event = createEvent({
  type: 'disk.threshold',
  project: 'p',
  volume: 'logs',
  metric: 'avail_bytes',
  state: 'firing',
  value: 1,
  threshold: 2,
});
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function receiver(statuses: number[]) {
  const got: {
    body: string;
    timestamp: string | undefined;
    signature: string | undefined;
    delivery: string | undefined;
  }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      got.push({
        body,
        timestamp: req.headers['x-phoenix-timestamp'] as string | undefined,
        signature: req.headers['x-phoenix-signature'] as string | undefined,
        delivery: req.headers['x-phoenix-delivery'] as string | undefined,
      });
      res.writeHead(statuses[got.length - 1] ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

describe('command hook', () => {
  it('gets the event JSON on stdin, without a shell', async () => {
    const failure = await runCommandHook(event, {
      argv: [
        process.execPath,
        '-e',
        'const e = JSON.parse(require("fs").readFileSync(0)); process.exit(e.type === "disk.threshold" && process.argv.length === 1 ? 0 : 3)',
      ],
      timeoutMs: 10_000,
    });
    expect(failure).toBeNull();
  });

  it('reports a non-zero exit, a missing program and a time limit, never throwing', async () => {
    expect(await runCommandHook(event, { argv: ['false'], timeoutMs: 10_000 })).toMatchObject({
      reason: 'exit',
    });
    expect(await runCommandHook(event, { argv: ['/nonexistent/hook'], timeoutMs: 10_000 })).toMatchObject({
      reason: 'spawn',
    });
    expect(await runCommandHook(event, { argv: ['sleep', '10'], timeoutMs: 200 })).toMatchObject({
      reason: 'timeout',
    });
  });
});

describe('webhook', () => {
  it('signs the timestamp and the body with HMAC-SHA256 and retries a 503 with the same delivery id', async () => {
    const { url, got } = await receiver([503, 200]);
    const failure = await sendWebhook(event, {
      url,
      secret: 'k',
      timeoutMs: 5000,
      retries: 3,
      backoffMs: 10,
      userAgent: 'test',
    });
    expect(failure).toBeNull();
    expect(got).toHaveLength(2);
    expect(got[0]?.delivery).toBe(got[1]?.delivery);
    expect(JSON.parse(got[1]?.body ?? '')).toEqual(event);
    const [first, second] = got;
    expect(verifyWebhook('k', second?.body ?? '', second?.timestamp, second?.signature)).toEqual({
      ok: true,
    });
    expect(verifyWebhook('k', first?.body ?? '', first?.timestamp, first?.signature)).toEqual({ ok: true });
  });

  it('does not retry a 400, and gives up after its retries', async () => {
    const bad = await receiver([400]);
    expect(
      await sendWebhook(event, { url: bad.url, timeoutMs: 5000, retries: 3, backoffMs: 10, userAgent: 't' }),
    ).toMatchObject({ reason: 'http' });
    expect(bad.got).toHaveLength(1);
    const down = await receiver([500, 500, 500]);
    expect(
      await sendWebhook(event, { url: down.url, timeoutMs: 5000, retries: 2, backoffMs: 10, userAgent: 't' }),
    ).toMatchObject({ reason: 'http', message: expect.stringMatching(/answered 500/) });
    expect(down.got).toHaveLength(3);
  });
});

describe('hook dispatcher', () => {
  it('counts failures per hook and only delivers subscribed events', async () => {
    const metrics = createAgentMetrics();
    const dispatcher = createHookDispatcher(
      [
        { name: 'fails', events: ['disk.threshold'], command: ['false'], timeout: 5000 },
        { name: 'other', events: ['backup.failed'], command: ['false'], timeout: 5000 },
      ],
      { log: createLogger('silent'), metrics, env: {}, userAgent: 't' },
    );
    dispatcher.deliver(event);
    await dispatcher.close(5000);
    const text = await metrics.registry.metrics();
    expect(text).toContain('phoenix_hook_failures_total{hook="fails",reason="exit"} 1');
    expect(text).not.toContain('hook="other"');
  });
});
