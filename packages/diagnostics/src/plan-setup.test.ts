import { defaultStack, isPhoenixError } from '@phoenix-hydra/core';
import type { VolumeInfo } from '@phoenix-hydra/podman-adapter';
import { describe, expect, it } from 'vitest';
import type { PathState, StackObservation } from './observe.ts';
import { planSetup } from './plan-setup.ts';

const stack = defaultStack({ env: { HOME: '/home/alice' } });
const maps = (own: number) => [
  { containerId: 0, hostId: own, size: 1 },
  { containerId: 1, hostId: 100000, size: 65536 },
];
const namespace = { rootless: true, uidMappings: maps(1000), gidMappings: maps(1000), selinuxEnabled: false };

function dir(mode: number, uid: number, gid = uid): PathState {
  return {
    type: 'directory',
    mode,
    hostUid: uid === 0 ? 1000 : 99999 + uid,
    hostGid: gid === 0 ? 1000 : 99999 + gid,
    owner: { uid, gid },
  };
}
function named(name: string, device: string | null): VolumeInfo {
  return {
    name,
    driver: 'local',
    mountpoint: `/home/alice/.local/share/containers/storage/volumes/${name}/_data`,
    options: {},
    labels: {},
    device,
  };
}

/** Everything as setup leaves it. */
function healthy(): StackObservation {
  return {
    stack,
    namespace,
    baseDir: dir(0o755, 0),
    volumes: stack.volumes.map((spec) => ({
      spec,
      podmanVolumeName: `phoenix-hydra_${spec.name}`,
      dir: dir(spec.mode, spec.owner.uid, spec.owner.gid),
      namedVolume: named(`phoenix-hydra_${spec.name}`, spec.hostPath),
      ...(spec.name === 'nginx_config' ? { defaultConf: { ...dir(0o644, 101), type: 'file' as const } } : {}),
      space: null,
    })),
  };
}

describe('planSetup', () => {
  it('plans nothing when everything is set up: the second run changes nothing', () => {
    expect(planSetup(healthy())).toEqual([]);
  });

  it('plans everything from nothing, in order: base dir, then per volume mkdir, seed, chmod, chown, volume', () => {
    const fresh = healthy();
    fresh.baseDir = null;
    for (const v of fresh.volumes) {
      v.dir = null;
      v.namedVolume = null;
      if (v.defaultConf !== undefined) v.defaultConf = null;
    }
    const plan = planSetup(fresh);
    expect(plan.map((a) => `${a.type}:${a.volume ?? 'base'}`)).toEqual([
      'mkdir:base',
      'mkdir:db_data',
      'chmod:db_data',
      'chown:db_data',
      'volume-create:db_data',
      'mkdir:nginx_config',
      'seed-default-conf:nginx_config',
      'chmod:nginx_config',
      'chown:nginx_config',
      'volume-create:nginx_config',
      'mkdir:logs',
      'chmod:logs',
      'chown:logs',
      'volume-create:logs',
    ]);
    const chown = plan.find((a) => a.type === 'chown' && a.volume === 'db_data');
    expect(chown?.describe).toBe(
      'give /home/alice/.local/share/phoenix-hydra/db_data to 999:999 (host 100998:100998) via podman unshare',
    );
  });

  it("fixes the original scripts' host-owned database directory with a recursive chown to 999:999", () => {
    const o = healthy();
    const db = o.volumes[0];
    if (!db) throw new Error('no db_data');
    db.dir = dir(0o700, 0);
    const plan = planSetup(o);
    expect(plan).toEqual([
      expect.objectContaining({
        type: 'chown',
        volume: 'db_data',
        owner: { uid: 999, gid: 999 },
        recursive: true,
      }),
    ]);
    expect(plan[0]?.describe).toMatch(/\(now 0:0 in the container\)/);
  });

  it('never overwrites an existing default.conf, and seeds a missing one', () => {
    const o = healthy();
    const conf = o.volumes.find((v) => v.spec.name === 'nginx_config');
    if (!conf) throw new Error('no nginx_config');
    expect(planSetup(o).some((a) => a.type === 'seed-default-conf')).toBe(false);
    conf.defaultConf = null;
    expect(planSetup(o).map((a) => a.type)).toEqual(['seed-default-conf']);
  });

  it('seeds a default.conf the declared user can serve: 8080 for nginx as 101:101 (and says so), 80 as root', () => {
    const o = healthy();
    const conf = o.volumes.find((v) => v.spec.name === 'nginx_config');
    const nginx = o.stack.services.find((s) => s.name === 'nginx');
    if (!conf || !nginx) throw new Error('no nginx');
    conf.defaultConf = null;
    expect(planSetup(o)).toEqual([expect.objectContaining({ type: 'seed-default-conf', port: 80 })]);
    nginx.user = { uid: 101, gid: 101 };
    const [seed] = planSetup(o);
    expect(seed).toMatchObject({ type: 'seed-default-conf', port: 8080 });
    expect(seed?.describe).toBe(
      'write a starter /home/alice/.local/share/phoenix-hydra/nginx_config/default.conf listening on 8080: nginx runs as 101:101, which cannot bind port 80 in rootless podman (publish it as "HOST:8080")',
    );
  });

  it('seeds 8080 for a user given by name (user: nginx is uid 101 in the image), 80 for user: root', () => {
    const o = healthy();
    const conf = o.volumes.find((v) => v.spec.name === 'nginx_config');
    const nginx = o.stack.services.find((s) => s.name === 'nginx');
    if (!conf || !nginx) throw new Error('no nginx');
    conf.defaultConf = null;
    delete nginx.user;
    nginx.userName = 'nginx';
    const [seed] = planSetup(o);
    expect(seed).toMatchObject({ type: 'seed-default-conf', port: 8080 });
    expect(seed?.describe).toContain('listening on 8080: nginx runs as nginx, which cannot bind port 80');
    nginx.userName = 'root';
    expect(planSetup(o)).toEqual([expect.objectContaining({ type: 'seed-default-conf', port: 80 })]);
  });

  it('refuses, before any change, a named volume whose data lives elsewhere, naming the fix', () => {
    const o = healthy();
    o.baseDir = null; // a change that must not be planned either
    const logs = o.volumes.find((v) => v.spec.name === 'logs');
    if (!logs) throw new Error('no logs');
    logs.namedVolume = named('phoenix-hydra_logs', null);
    let error: unknown;
    try {
      planSetup(o);
    } catch (e) {
      error = e;
    }
    expect(isPhoenixError(error) && error.code).toBe('VOLUME_DRIFT');
    expect((error as Error).message).toMatch(/keeps its data in podman's own storage/);
    expect(isPhoenixError(error) && error.hint).toMatch(
      /^phoenix-volumes adopt --volume logs moves its data/,
    );
  });

  it('refuses a file where a volume directory should be', () => {
    const o = healthy();
    const db = o.volumes[0];
    if (!db) throw new Error('no db_data');
    db.dir = { ...dir(0o644, 0), type: 'file' };
    expect(() => planSetup(o)).toThrow(/exists but is a file/);
  });

  it('labels new directories only where SELinux is enabled', () => {
    const o = healthy();
    o.namespace = { ...namespace, selinuxEnabled: true };
    for (const v of o.volumes) v.dir = null;
    expect(
      planSetup(o)
        .filter((a) => a.type === 'relabel')
        .map((a) => a.volume),
    ).toEqual(['db_data', 'nginx_config', 'logs']);
  });
});
