import { describe, expect, it } from 'vitest';
import { backupHealth } from './backup-status.ts';

const status = {
  volumes: new Map([
    ['db_data', { id: 'a', finishedAt: 1_000_000, artifactBytes: 10 }],
    ['logs', { id: 'b', finishedAt: 100_000, artifactBytes: 10 }],
  ]),
  newestDurationSeconds: 1,
};

describe('backupHealth', () => {
  it('names each volume whose newest backup is older than the policy, or missing', () => {
    const health = backupHealth(status, ['db_data', 'logs', 'nginx_config'], 500_000, 1_200_000);
    expect(health.ok).toBe(false);
    expect(health.stale).toEqual([
      { volume: 'logs', ageSeconds: 1100, backup: 'b' },
      { volume: 'nginx_config', ageSeconds: null, backup: null },
    ]);
    expect(backupHealth(status, ['db_data'], 500_000, 1_200_000)).toEqual({ ok: true, stale: [] });
  });
});
