// What a hook may learn of the agent's secrets: a webhook URL's credentials never reach a log line or a
// metric, a command hook sees only a minimal environment, and a captured webhook call cannot be replayed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createEvent } from '@phoenix-hydra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { checkConfigCommand } from '../commands/check-config.ts';
import { createLogger } from '../logger.ts';
import { createAgentMetrics } from '../metrics/agent-metrics.ts';
import { createHookDispatcher } from './dispatch-hooks.ts';
import { verifyWebhook } from './signature.ts';

const event = createEvent({
  type: 'backup.failed',
  project: 'p',
  volumes: ['logs'],
  error: { code: 'X', message: 'm' },
});
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A receiver on 127.0.0.1 answering `status`; records each request's headers, path and body. */
async function receiver(status: number) {
  const got: { headers: IncomingHttpHeaders; path: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      got.push({ headers: req.headers, path: req.url ?? '', body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return { port: (server.address() as AddressInfo).port, got };
}

/** Runs one event through a dispatcher of `hooks`; returns what was logged and the metrics text. */
async function dispatch(hooks: Parameters<typeof createHookDispatcher>[0], env: NodeJS.ProcessEnv) {
  let logged = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logged += chunk;
      done();
    },
  });
  const metrics = createAgentMetrics();
  const dispatcher = createHookDispatcher(hooks, {
    log: createLogger('debug', sink),
    metrics,
    env,
    userAgent: 't',
  });
  dispatcher.deliver(event);
  await dispatcher.close(10_000);
  return { logged, metrics: await metrics.registry.metrics() };
}

describe('webhook URLs with credentials', () => {
  it('never show the password or the query values in a log line or a metric', async () => {
    const { port, got } = await receiver(503);
    const url = `http://alice:pa55word@127.0.0.1:${port}/hook?token=t0ken-value&team=ops`;
    const webhook = { url, retries: 1, backoff: 10, queue: 10, headers: {} };
    const { logged, metrics } = await dispatch([{ name: 'w', events: ['*'], timeout: 5000, webhook }], {});
    expect(got).toHaveLength(2); // tried, retried: both logged
    expect(logged).toMatch(/answered 503/);
    expect(logged).toContain(`127.0.0.1:${port}/hook`);
    for (const secret of ['pa55word', 't0ken-value']) {
      expect(logged).not.toContain(secret);
      expect(metrics).not.toContain(secret);
    }
    // The credentials still reach the receiver: as HTTP Basic authentication, the query as written.
    expect(got[0]?.headers.authorization).toBe(`Basic ${Buffer.from('alice:pa55word').toString('base64')}`);
    expect(got[0]?.path).toBe('/hook?token=t0ken-value&team=ops');
  });

  it('keep the password out of a network error', async () => {
    const { port } = await receiver(200);
    for (const close of closers.splice(0)) close(); // nothing listens there any more
    const url = `http://bob:hunter2@127.0.0.1:${port}/x?sig=abc123`;
    const webhook = { url, retries: 0, backoff: 10, queue: 10, headers: {} };
    const { logged } = await dispatch([{ name: 'w', events: ['*'], timeout: 5000, webhook }], {});
    expect(logged).toMatch(/hook w failed/);
    expect(logged).not.toContain('hunter2');
    expect(logged).not.toContain('abc123');
  });
});

describe('check-config --json', () => {
  it('prints a webhook URL without its password or query values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phx-check-config-'));
    const file = join(dir, 'agent.yaml');
    writeFileSync(
      file,
      'hooks:\n  - name: w\n    webhook: { url: "https://ops:pa55word@hooks.example.net/p?token=t0ken" }\n',
    );
    const lines: string[] = [];
    await checkConfigCommand({ config: file, json: true, out: (line) => lines.push(line) });
    const printed = lines.join('\n');
    expect(JSON.parse(printed).config.hooks[0].webhook.url).toBe('https://***@hooks.example.net/p?token=***');
    expect(printed).not.toContain('pa55word');
    expect(printed).not.toContain('t0ken');
  });
});

describe('command hooks', () => {
  it('get PATH, HOME, LANG, XDG_RUNTIME_DIR, the event variables and their own allowlist, nothing else', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'phx-hook-env-')), 'env.json');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: '/home/agent',
      LANG: 'C.UTF-8',
      XDG_RUNTIME_DIR: '/run/user/1000',
      PHX_WEBHOOK_SECRET: 'webhook-key',
      PGPASSWORD: 'db-password',
      AWS_SECRET_ACCESS_KEY: 'aws-key',
      NOTIFY_CHANNEL: 'ops',
    };
    const command = [
      process.execPath,
      '-e',
      'require("fs").writeFileSync(process.argv[1], JSON.stringify(process.env))',
      out,
    ];
    const hook = {
      name: 'env',
      events: ['*' as const],
      timeout: 10_000,
      command,
      env: ['NOTIFY_CHANNEL', 'UNSET_ONE'],
    };
    const { logged } = await dispatch([hook], env);
    expect(logged).not.toMatch(/hook env failed/);
    const seen = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
    expect(seen).toEqual({
      PATH: env.PATH,
      HOME: '/home/agent',
      LANG: 'C.UTF-8',
      XDG_RUNTIME_DIR: '/run/user/1000',
      PHOENIX_EVENT_TYPE: 'backup.failed',
      PHOENIX_PROJECT: 'p',
      NOTIFY_CHANNEL: 'ops',
    });
  });
});

describe('webhook signatures', () => {
  it('sign the timestamp with the body, so a captured call is refused once it is old', async () => {
    const { port, got } = await receiver(200);
    const webhook = {
      url: `http://127.0.0.1:${port}/h`,
      secretEnv: 'KEY',
      retries: 0,
      backoff: 10,
      queue: 10,
      headers: {},
    };
    await dispatch([{ name: 'w', events: ['*'], timeout: 5000, webhook }], { KEY: 'the-key' });
    const [call] = got;
    const timestamp = String(call?.headers['x-phoenix-timestamp']);
    const signature = String(call?.headers['x-phoenix-signature']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(10);
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    const body = call?.body ?? '';
    expect(verifyWebhook('the-key', body, timestamp, signature)).toEqual({ ok: true });
    // The same call replayed ten minutes later, a body changed, another timestamp, the wrong key.
    const later = Date.now() + 10 * 60_000;
    expect(verifyWebhook('the-key', body, timestamp, signature, { now: later })).toMatchObject({
      ok: false,
      reason: 'stale',
    });
    expect(verifyWebhook('the-key', `${body} `, timestamp, signature)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWebhook('the-key', body, String(Number(timestamp) + 1), signature)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWebhook('other', body, timestamp, signature)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWebhook('the-key', body, undefined, signature)).toMatchObject({
      ok: false,
      reason: 'missing',
    });
  });
});
