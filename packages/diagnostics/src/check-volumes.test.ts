import { defaultStack } from '@phoenix-hydra/core';
import { createPodman } from '@phoenix-hydra/podman-adapter';
import { describe, expect, it } from 'vitest';
import { checkVolumes } from './check-volumes.ts';
import type { StackObservation } from './observe.ts';

const stack = defaultStack({ env: { HOME: '/home/alice' } });
const maps = [
  { containerId: 0, hostId: 1000, size: 1 },
  { containerId: 1, hostId: 100000, size: 65536 },
];
const space = { sizeBytes: 100e9, availBytes: 50e9, filesFree: 1e6, files: 2e6 };

/** The original scripts' layout: host-owned directories, no named volumes (podman-compose would make them). */
function originalLayout(): StackObservation {
  return {
    stack,
    namespace: { rootless: true, uidMappings: maps, gidMappings: maps, selinuxEnabled: false },
    baseDir: null,
    volumes: stack.volumes.map((spec) => ({
      spec,
      podmanVolumeName: `phoenix-hydra_${spec.name}`,
      dir: {
        type: 'directory' as const,
        mode: spec.name === 'db_data' ? 0o700 : 0o755,
        hostUid: 1000,
        hostGid: 1000,
        owner: { uid: 0, gid: 0 },
      },
      namedVolume: null,
      ...(spec.name === 'nginx_config' ? { defaultConf: null } : {}),
      space,
    })),
  };
}

const find = (results: Awaited<ReturnType<typeof checkVolumes>>, volume: string, check: string) =>
  results.find((r) => r.volume === volume && r.check === check);

describe('checkVolumes without probes', () => {
  // The probes are the only part that runs podman; here the client is never called.
  const podman = createPodman({ bin: '/nonexistent/podman' });

  it("names the causes in the original scripts' layout", async () => {
    const results = await checkVolumes(originalLayout(), podman, { probe: false });
    expect(find(results, 'db_data', 'owner')).toMatchObject({
      status: 'fail',
      message:
        'owned by 0:0 inside the container (host 1000:1000), but service db runs as 999:999 (host 100998:100998) and will get "Permission denied"',
    });
    expect(find(results, 'db_data', 'owner')?.hint).toMatch(/podman unshare chown -R 999:999/);
    expect(find(results, 'db_data', 'named-volume')?.message).toMatch(
      /podman-compose 1\.0\.3 would create it without the bind options/,
    );
    expect(find(results, 'nginx_config', 'default-conf')?.status).toBe('fail');
    expect(find(results, 'logs', 'owner')?.status).toBe('pass'); // nginx writes its logs as root: the host user
    expect(find(results, 'db_data', 'mode')?.status).toBe('pass');
  });

  it('warns below 10 GB free for the database and 1 GB for the rest', async () => {
    const o = originalLayout();
    for (const v of o.volumes) v.space = { ...space, availBytes: 5e9 };
    const results = await checkVolumes(o, podman, { probe: false });
    expect(find(results, 'db_data', 'free-space')?.status).toBe('warn');
    expect(find(results, 'logs', 'free-space')?.status).toBe('pass');
  });

  it('fails a named volume that keeps its data in podman storage, saying where', async () => {
    const o = originalLayout();
    const db = o.volumes[0];
    if (!db) throw new Error('no db_data');
    db.namedVolume = {
      name: 'phoenix-hydra_db_data',
      driver: 'local',
      mountpoint: '/x/_data',
      options: {},
      labels: {},
      device: null,
    };
    const result = find(await checkVolumes(o, podman, { probe: false }), 'db_data', 'named-volume');
    expect(result?.message).toBe(
      "podman volume phoenix-hydra_db_data keeps its data in podman's own storage (/x/_data), because podman-compose dropped driver_opts, not in /home/alice/.local/share/phoenix-hydra/db_data",
    );
  });
});
