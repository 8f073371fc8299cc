import { describe, expect, it } from 'vitest';
import { createFakePodman, fakeContainer, fakeVolume } from './testing.ts';

describe('createFakePodman', () => {
  it('keeps volumes and container states in memory and records each call', async () => {
    const podman = createFakePodman({
      volumes: [fakeVolume('p_db_data', '/data/db')],
      containers: [fakeContainer('p_db_1', { project: 'p', service: 'db' }), fakeContainer('other_1')],
    });
    expect((await podman.ps({ project: 'p' })).map((c) => c.name)).toEqual(['p_db_1']);
    await podman.stop('p_db_1');
    expect(await podman.ps({ project: 'p' })).toEqual([]);
    expect((await podman.inspectContainer('p_db_1'))?.running).toBe(false);
    await podman.volumeRm('p_db_data');
    expect(await podman.volumeInspect('p_db_data')).toBeNull();
    expect(podman.calls.map((c) => c.method)).toEqual([
      'ps',
      'stop',
      'ps',
      'inspectContainer',
      'volumeRm',
      'volumeInspect',
    ]);
  });

  it('refuses a call the test did not provide, naming it', async () => {
    const podman = createFakePodman({ unshare: { du: async () => ({ bytes: 1, files: 1 }) } });
    await expect(podman.unshare.du('/x')).resolves.toEqual({ bytes: 1, files: 1 });
    expect(() => podman.unshare.chown(['/x'], { uid: 1, gid: 1 })).toThrow(/unshare.chown was called/);
    expect(() => podman.execText('c', ['id'])).toThrow(/execText was called/);
  });
});
