import { describe, expect, it } from 'vitest';
import { createAgentMetrics } from './agent-metrics.ts';
import { parseListen, startHttpServer } from './http-server.ts';

describe('http server', () => {
  it('serves /metrics and a /healthz that fails with its reasons, on loopback', async () => {
    const metrics = createAgentMetrics();
    metrics.volumeUsedBytes.set({ project: 'p', volume: 'db_data' }, 42);
    let ok = false;
    const http = await startHttpServer('127.0.0.1:0', metrics.registry, () => ({ ok, stale: ['db_data'] }));
    try {
      expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const text = await (await fetch(`${http.url}/metrics`)).text();
      expect(text).toContain('phoenix_volume_used_bytes{project="p",volume="db_data"} 42');
      const bad = await fetch(`${http.url}/healthz`);
      expect(bad.status).toBe(503);
      expect(await bad.json()).toEqual({ ok: false, stale: ['db_data'] });
      ok = true;
      expect((await fetch(`${http.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${http.url}/`)).status).toBe(404);
    } finally {
      await http.close();
    }
  });

  it('reads host:port, IPv6 in brackets', () => {
    expect(parseListen('[::1]:9469')).toEqual({ host: '::1', port: 9469 });
    expect(() => parseListen('9469')).toThrow(/not host:port/);
  });
});
