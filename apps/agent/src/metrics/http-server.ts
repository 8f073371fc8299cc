import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PhoenixError } from '@phoenix-hydra/core';
import type { Registry } from 'prom-client';

/** The health signal: ok, or why not (stale backups), as JSON. */
export interface Health {
  ok: boolean;
  [key: string]: unknown;
}

/** Splits `host:port` (`[::1]:9469` for IPv6). */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(listen);
  const port = Number(match?.[2]);
  if (!match?.[1] || !Number.isInteger(port) || port > 65535) {
    throw new PhoenixError('CONFIG_INVALID', `metrics.listen: "${listen}" is not host:port`, {
      hint: 'write metrics.listen: 127.0.0.1:9469',
    });
  }
  return { host: match[1], port };
}

/** Serves /metrics (Prometheus text format) and /healthz (200 or 503 with JSON); nothing else. */
export async function startHttpServer(
  listen: string,
  registry: Registry,
  health: () => Health,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const { host, port } = parseListen(listen);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
      );
    } else if (path === '/healthz') {
      const result = health();
      res
        .writeHead(result.ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(result)}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new PhoenixError('USAGE', `cannot listen on ${listen}: ${error.message}`, {
          hint: 'another process uses the port: set metrics.listen to a free host:port',
          cause: error,
        }),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
