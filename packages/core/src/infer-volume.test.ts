import type { PhoenixError } from '@phoenix-hydra/errors';
import { describe, expect, it } from 'vitest';
import { inferVolume } from './infer-volume.ts';
import type { VolumeSpec } from './model.ts';
import { parseCompose } from './read-compose.ts';

function infer(text: string): { volumes: Record<string, VolumeSpec | undefined>; warnings: string[] } {
  const model = parseCompose(text, '/p/compose.yaml', {});
  const warnings: string[] = [];
  const volumes = Object.fromEntries(
    model.volumes.map((volume) => [
      volume.name,
      inferVolume(volume, model.services, `/base/${volume.name}`, { source: model.source, warnings }),
    ]),
  );
  return { volumes, warnings };
}

function errorOf(text: string): PhoenixError {
  try {
    infer(text);
  } catch (error) {
    return error as PhoenixError;
  }
  throw new Error('expected inference to fail');
}

describe('inferVolume: kind, mode and backup', () => {
  it('treats PostgreSQL data as a database: 0700, logical backups', () => {
    const { volumes } = infer(`
services:
  db: { image: docker.io/library/postgres:16, volumes: ["pg:/var/lib/postgresql/data:Z"] }
  other: { image: busybox, volumes: ["pgdata:/var/lib/postgresql/data"] }
  pg18: { image: postgres:18, volumes: ["pg18:/var/lib/postgresql"] }
volumes: { pg: {}, pgdata: {}, pg18: {} }
`);
    for (const name of ['pg', 'pgdata', 'pg18']) {
      expect(volumes[name]).toMatchObject({ kind: 'database', mode: 0o700, backup: 'postgres-logical' });
    }
    expect(volumes.pg).toMatchObject({ owner: { uid: 999, gid: 999 }, selinux: 'Z', readOnly: false });
  });

  it('classifies read-only, log and other volumes', () => {
    const { volumes } = infer(`
services:
  db: { image: postgres:15, volumes: ["init:/docker-entrypoint-initdb.d:ro"] }
  app:
    image: example/app
    volumes: ["conf:/etc/app:ro", "applog:/var/log/app", "app_logs:/srv/out", "catalog:/srv/catalog", "shared:/srv/shared"]
  reader: { image: example/reader, volumes: ["shared:/srv/shared:ro", "conf:/etc/app:ro"] }
volumes: { init: {}, conf: {}, applog: {}, app_logs: {}, catalog: {}, shared: {} }
`);
    expect(volumes.init).toMatchObject({ kind: 'config', mode: 0o755, backup: 'archive', readOnly: true });
    expect(volumes.conf).toMatchObject({ kind: 'config', readOnly: true, services: ['app', 'reader'] });
    expect(volumes.applog).toMatchObject({ kind: 'logs', mode: 0o755, backup: 'archive' });
    expect(volumes.app_logs).toMatchObject({ kind: 'logs' });
    expect(volumes.catalog).toMatchObject({ kind: 'data', mode: 0o755, backup: 'archive' });
    expect(volumes.shared).toMatchObject({ kind: 'data', readOnly: false, containerPath: '/srv/shared' });
  });
});

describe('inferVolume: owner', () => {
  it('prefers the user: of a read-write mounter, then of a read-only one', () => {
    const { volumes, warnings } = infer(`
services:
  reader: { image: nginx, user: "200:200", volumes: ["a:/a:ro", "b:/b:ro"] }
  writer: { image: example/app, user: "1000:1001", volumes: ["a:/a"] }
volumes: { a: {}, b: {} }
`);
    expect(volumes.a?.owner).toEqual({ uid: 1000, gid: 1001 });
    expect(volumes.a?.containerPath).toBe('/a');
    expect(volumes.b?.owner).toEqual({ uid: 200, gid: 200 });
    expect(warnings).toEqual([]);
  });

  it('falls back to the image: postgres 999, alpine postgres 70, nginx 101 (root for its logs), else root', () => {
    const { volumes } = infer(`
services:
  db: { image: postgres:15, volumes: ["db:/var/lib/postgresql/data"] }
  alpine: { image: postgres:16-alpine, volumes: ["adb:/var/lib/postgresql/data"] }
  web: { image: nginx:stable, volumes: ["conf:/etc/nginx/conf.d:ro", "logs:/var/log/nginx", "html:/usr/share/nginx/html"] }
  app: { image: ghcr.io/example/postgres:15, volumes: ["other:/data"] }
volumes: { db: {}, adb: {}, conf: {}, logs: {}, html: {}, other: {} }
`);
    expect(volumes.db?.owner).toEqual({ uid: 999, gid: 999 });
    expect(volumes.adb?.owner).toEqual({ uid: 70, gid: 70 });
    expect(volumes.conf?.owner).toEqual({ uid: 101, gid: 101 });
    expect(volumes.logs?.owner).toEqual({ uid: 0, gid: 0 });
    expect(volumes.html?.owner).toEqual({ uid: 101, gid: 101 });
    expect(volumes.other?.owner).toEqual({ uid: 0, gid: 0 });
  });

  it('completes a user: without a group, warning unless the image says', () => {
    const { volumes, warnings } = infer(`
services:
  db: { image: postgres:15, user: "999", volumes: ["db:/var/lib/postgresql/data"] }
  app: { image: example/app, user: "1000", volumes: ["data:/data"] }
volumes: { db: {}, data: {} }
`);
    expect(volumes.db?.owner).toEqual({ uid: 999, gid: 999 });
    expect(volumes.data?.owner).toEqual({ uid: 1000, gid: 1000 });
    expect(warnings).toEqual([
      'volume data: service app gives no group in user:, assuming 1000:1000; write user: "1000:<gid>" or set x-phoenix.owner',
    ]);
  });

  it('resolves user names the image defines and warns about others', () => {
    const { volumes, warnings } = infer(`
services:
  db: { image: postgres:15, user: postgres, volumes: ["db:/var/lib/postgresql/data"] }
  app: { image: nginx, user: www, volumes: ["data:/data"] }
volumes: { db: {}, data: {} }
`);
    expect(volumes.db?.owner).toEqual({ uid: 999, gid: 999 });
    expect(volumes.data?.owner).toEqual({ uid: 101, gid: 101 });
    expect(warnings).toEqual([
      'volume data: cannot resolve user "www" of service app to a uid; set x-phoenix.owner',
    ]);
  });
});

describe('inferVolume: SELinux, x-phoenix and unmounted volumes', () => {
  it('takes the label from the mounts and warns about conflicts', () => {
    const { volumes, warnings } = infer(`
services:
  a: { volumes: ["mixed:/m:z", "private:/p:Z", "none:/n"] }
  b: { volumes: ["mixed:/m:Z", "private:/p:Z"] }
volumes: { mixed: {}, private: {}, none: {} }
`);
    expect(volumes.mixed?.selinux).toBe('z');
    expect(volumes.none?.selinux).toBe('none');
    expect(warnings).toEqual([
      'volume mixed: mounts disagree on z/Z; using z',
      'volume private: :Z gives one container a private label but 2 services mount it; use :z',
    ]);
  });

  it('lets x-phoenix override every inferred field', () => {
    const { volumes, warnings } = infer(`
services:
  db: { image: postgres:15, user: "999:999", volumes: ["db:/var/lib/postgresql/data:Z", "db:/mirror:Z"] }
volumes:
  db:
    x-phoenix: { kind: data, mode: "0750", owner: "1000:1000", backup: none, selinux: none, external: true, readOnly: true }
`);
    expect(volumes.db).toEqual({
      name: 'db',
      kind: 'data',
      hostPath: '/base/db',
      containerPath: '/var/lib/postgresql/data',
      mode: 0o750,
      owner: { uid: 1000, gid: 1000 },
      readOnly: true,
      selinux: 'none',
      services: ['db'],
      backup: 'none',
      external: true,
    });
    expect(warnings).toEqual([]);
  });

  it('derives defaults from an x-phoenix kind', () => {
    const { volumes } = infer(
      'services:\n  a: { volumes: ["v:/v"] }\nvolumes:\n  v:\n    x-phoenix: { kind: database }\n',
    );
    expect(volumes.v).toMatchObject({ kind: 'database', mode: 0o700, backup: 'postgres-logical' });
  });

  it('skips a volume no service mounts, with a warning', () => {
    const { volumes, warnings } = infer('services: {}\nvolumes:\n  spare: {}\n');
    expect(volumes.spare).toBeUndefined();
    expect(warnings).toEqual(['volume spare is not mounted by any service; phoenix-volumes leaves it alone']);
  });

  it.each([
    ['"0800"', '"0800"'],
    ['0800', '"0800"'],
    ['"abc"', '"abc"'],
    ['755', '"755"'],
  ])('rejects mode %s as VOLUME_INVALID with the fix', (written, shown) => {
    const error = errorOf(
      `services:\n  db: { image: postgres:15, volumes: ["db_data:/var/lib/postgresql/data"] }\nvolumes:\n  db_data:\n    x-phoenix:\n      mode: ${written}\n`,
    );
    expect(error.code).toBe('VOLUME_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      `/p/compose.yaml:6:13: volumes.db_data.x-phoenix.mode: volume db_data: invalid mode ${shown}, expected octal permission bits 0000-0777`,
    );
    expect(error.hint).toBe('set x-phoenix.mode: "0700" on volume db_data in /p/compose.yaml');
    expect(error.details).toMatchObject({ volume: 'db_data' });
  });

  it('rejects an invalid owner', () => {
    const error = errorOf(
      'services:\n  a: { volumes: ["v:/v"] }\nvolumes:\n  v:\n    x-phoenix: { owner: "nobody" }\n',
    );
    expect(error.code).toBe('VOLUME_INVALID');
    expect(error.message).toMatch(/volume v: invalid owner "nobody", expected "uid:gid"/);
    expect(error.hint).toBe('set x-phoenix.owner: "999:999" on volume v in /p/compose.yaml');
  });
});
