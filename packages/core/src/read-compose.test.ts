// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose ${VAR} syntax is the subject under test

import type { PhoenixError } from '@phoenix-hydra/errors';
import { describe, expect, it } from 'vitest';
import { parseCompose } from './read-compose.ts';

const FILE = '/p/compose.yaml';
const parse = (text: string, env: Record<string, string> = {}) => parseCompose(text, FILE, env);

function errorOf(text: string, env: Record<string, string> = {}): PhoenixError {
  try {
    parse(text, env);
  } catch (error) {
    return error as PhoenixError;
  }
  throw new Error('expected the compose file to be rejected');
}

function expectUsageError(error: PhoenixError, code: string, message: RegExp) {
  expect(error.code).toBe(code);
  expect(error.exitCode).toBe(2);
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain('\n');
  expect(error.hint).toBeTruthy();
}

describe('parseCompose: service mounts', () => {
  it('reads short syntax with options, ignoring host binds and anonymous volumes', () => {
    const model = parse(`
services:
  web:
    image: nginx:stable
    volumes:
      - conf:/etc/nginx/conf.d:ro,Z
      - data:/data:z
      - cache:/cache:rw,nocopy
      - ./site:/usr/share/nginx/html:ro
      - /srv/certs:/certs:ro
      - ~/keys:/keys
      - /anonymous
      - /anon2:ro
volumes:
  conf:
  data:
  cache: {}
`);
    expect(model.services[0]?.mounts.map(({ path: _, ...mount }) => mount)).toEqual([
      { type: 'volume', volume: 'conf', target: '/etc/nginx/conf.d', readOnly: true, selinux: 'Z' },
      { type: 'volume', volume: 'data', target: '/data', readOnly: false, selinux: 'z' },
      { type: 'volume', volume: 'cache', target: '/cache', readOnly: false, selinux: 'none' },
    ]);
    expect(model.volumes.map((volume) => volume.name)).toEqual(['conf', 'data', 'cache']);
    expect(model.warnings).toEqual([]);
  });

  it('reads long syntax and ignores bind and tmpfs mounts', () => {
    const model = parse(`
services:
  db:
    image: postgres:15
    volumes:
      - type: volume
        source: db_data
        target: /var/lib/postgresql/data
        volume: { nocopy: true }
      - type: volume
        source: conf
        target: /etc/postgresql
        read_only: true
        bind: { selinux: Z }
      - type: bind
        source: ./init
        target: /docker-entrypoint-initdb.d
        bind: { selinux: z }
      - type: tmpfs
        target: /tmp
      - type: volume
        target: /anonymous
volumes:
  db_data: {}
  conf: {}
`);
    expect(model.services[0]?.mounts.map(({ path: _, ...mount }) => mount)).toEqual([
      {
        type: 'volume',
        volume: 'db_data',
        target: '/var/lib/postgresql/data',
        readOnly: false,
        selinux: 'none',
      },
      { type: 'volume', volume: 'conf', target: '/etc/postgresql', readOnly: true, selinux: 'Z' },
    ]);
  });

  it('warns about unknown short-syntax options and keeps going', () => {
    const model = parse('services:\n  a:\n    volumes: ["v:/v:ro,bogus"]\nvolumes:\n  v: {}\n');
    expect(model.warnings).toEqual(['services.a.volumes[0]: unknown mount option "bogus" ignored']);
  });

  it('parses user: forms', () => {
    const model = parse(`
services:
  a: { user: "999:999" }
  b: { user: "999" }
  c: { user: 1000 }
  d: { user: postgres }
  e: {}
`);
    expect(model.services.map((service) => service.user)).toEqual([
      { uid: 999, gid: 999 },
      { uid: 999 },
      { uid: 1000 },
      { userName: 'postgres' },
      undefined,
    ]);
  });

  it('rejects a mount of an undeclared volume, naming it and the declared ones', () => {
    const error = errorOf('services:\n  db:\n    volumes:\n      - db_dta:/data\nvolumes:\n  db_data: {}\n');
    expectUsageError(
      error,
      'COMPOSE_INVALID',
      /^\/p\/compose\.yaml:4:9: services\.db\.volumes\[0\]: service db mounts volume "db_dta", which is not declared$/,
    );
    expect(error.hint).toBe(
      'declare db_dta: under the top-level volumes: of /p/compose.yaml (declared: db_data)',
    );
  });

  it.each([
    ['- "a:b:c:d"', /volumes\[0\]: "a:b:c:d" has too many/],
    ['- "v:relative"', /volumes\[0\]: "v:relative" needs an absolute container path/],
    ['- ":/data"', /volumes\[0\]: ":\/data" has an empty source/],
    ['- "bad name!:/data"', /names an invalid volume "bad name!"/],
    ['- { type: volume, source: v }', /volumes\[0\]\.target: /],
    ['- { type: nfs, source: v, target: /x }', /volumes\[0\]\.type: /],
    ['- { type: volume, source: v, target: relative }', /target: must be an absolute path/],
  ])('rejects mount %s with its path and line', (entry, message) => {
    const error = errorOf(`services:\n  s:\n    volumes:\n      ${entry}\nvolumes:\n  v: {}\n`);
    expectUsageError(error, 'COMPOSE_INVALID', message);
    expect(error.message).toMatch(/^\/p\/compose\.yaml:4:\d+: services\.s\.volumes\[0\]/);
  });

  it('rejects a malformed user:', () => {
    expectUsageError(
      errorOf('services:\n  s:\n    user: "a:b:c"\n'),
      'COMPOSE_INVALID',
      /services\.s\.user: invalid user/,
    );
  });
});

describe('parseCompose: top-level volumes', () => {
  it('takes the bind device and leaves external, foreign-driver and non-bind volumes alone', () => {
    const model = parse(`
services:
  s:
    volumes: [bound:/a, plain:/b, ext:/c, nfs:/d, tmp:/e]
volumes:
  bound:
    driver: local
    driver_opts: { type: none, o: bind, device: /srv/data }
  plain:
  ext: { external: true }
  nfs: { driver: some-plugin }
  tmp: { driver_opts: { type: tmpfs, device: tmpfs } }
`);
    expect(model.volumes).toEqual([
      { name: 'bound', device: '/srv/data', x: {} },
      { name: 'plain', device: undefined, x: {} },
    ]);
    expect(model.services[0]?.mounts.map((mount) => mount.volume)).toEqual(['bound', 'plain']);
    expect(model.warnings).toEqual([
      'volume ext is external to compose; phoenix-volumes leaves it alone',
      'volume nfs is managed by the "some-plugin" driver; phoenix-volumes leaves it alone',
      'volume tmp is not a bind of a host directory (driver_opts without o: bind); phoenix-volumes leaves it alone',
    ]);
  });

  it('reads x-phoenix, treating an unquoted 0700 as octal like compose does', () => {
    const model = parse(`
x-phoenix: { baseDir: /srv/phoenix, project: hydra }
volumes:
  a:
    x-phoenix: { kind: data, mode: 0750, owner: "1000:1000", backup: none, selinux: z, external: true, readOnly: "true" }
  b:
    x-phoenix: { mode: 448 }
`);
    expect(model.xPhoenix).toEqual({ baseDir: '/srv/phoenix', project: 'hydra' });
    expect(model.volumes.map((volume) => volume.x)).toEqual([
      {
        kind: 'data',
        mode: '0750',
        owner: '1000:1000',
        backup: 'none',
        selinux: 'z',
        external: true,
        readOnly: true,
      },
      { mode: 448 },
    ]);
  });

  it('rejects an unknown x-phoenix key, naming it and the allowed keys', () => {
    const error = errorOf('volumes:\n  db_data:\n    x-phoenix:\n      kind: database\n      mdoe: "0700"\n');
    expectUsageError(
      error,
      'COMPOSE_INVALID',
      /^\/p\/compose\.yaml:5:13: volumes\.db_data\.x-phoenix\.mdoe: unknown key "mdoe"/,
    );
    expect(error.message).toContain('(allowed: kind, mode, owner, backup, selinux, external, readOnly)');
    expect(error.hint).toBe('remove or rename volumes.db_data.x-phoenix.mdoe in /p/compose.yaml');
  });

  it('rejects an unknown top-level x-phoenix key and bad enum values', () => {
    expectUsageError(
      errorOf('x-phoenix: { base: /x }\n'),
      'COMPOSE_INVALID',
      /unknown key "base" \(allowed: baseDir, project, postgres, offsite\)/,
    );
    expectUsageError(
      errorOf('volumes:\n  v:\n    x-phoenix: { kind: cache }\n'),
      'COMPOSE_INVALID',
      /volumes\.v\.x-phoenix\.kind: /,
    );
  });

  it('rejects a bind without a device and invalid volume names', () => {
    expectUsageError(
      errorOf('volumes:\n  v:\n    driver_opts: { type: none, o: bind }\n'),
      'COMPOSE_INVALID',
      /volumes\.v\.driver_opts: a bind volume needs driver_opts\.device/,
    );
    expectUsageError(errorOf('volumes:\n  _v: {}\n'), 'VOLUME_INVALID', /invalid volume name "_v"/);
  });

  it('rejects an empty file and a non-mapping document', () => {
    expectUsageError(errorOf(''), 'COMPOSE_INVALID', /the compose file is empty/);
    expectUsageError(errorOf('- a\n- b\n'), 'COMPOSE_INVALID', /expected a mapping/);
    expectUsageError(errorOf('services: [a]\n'), 'COMPOSE_INVALID', /^\/p\/compose\.yaml:1:11: services: /);
  });
});

describe('parseCompose: interpolation', () => {
  it('interpolates values before validation and warns once per unset variable', () => {
    const model = parse(
      `
services:
  db:
    image: postgres:\${PG_VERSION:-15}
    environment:
      A: \${UNSET_ONE}
      B: \${UNSET_ONE}
    volumes: ["\${VOLUME}:/data"]
volumes:
  db_data:
    driver_opts: { type: none, o: bind, device: "\${DATA}/db" }
`,
      { VOLUME: 'db_data', DATA: '/srv' },
    );
    expect(model.services[0]?.image).toBe('postgres:15');
    expect(model.services[0]?.mounts[0]?.volume).toBe('db_data');
    expect(model.volumes[0]?.device).toBe('/srv/db');
    expect(model.warnings).toEqual([
      'variable UNSET_ONE is not set, substituting an empty string (services.db.environment.A at /p/compose.yaml:6:10)',
    ]);
  });

  it('fails on ${X:?message}, naming the variable, the message and the line', () => {
    const error = errorOf('services:\n  db:\n    image: "${IMAGE:?need IMAGE}"\n');
    expectUsageError(
      error,
      'COMPOSE_VARIABLE',
      /^\/p\/compose\.yaml:3:12: services\.db\.image: required variable IMAGE is missing a value: need IMAGE$/,
    );
    expect(error.details).toMatchObject({ variable: 'IMAGE' });
  });

  it('fails when an unset variable would move a host path', () => {
    const text =
      'volumes:\n  db_data:\n    driver_opts:\n      type: none\n      o: bind\n      device: ${DATA}/db\n';
    const error = errorOf(text);
    expectUsageError(
      error,
      'COMPOSE_VARIABLE',
      /^\/p\/compose\.yaml:6:15: volumes\.db_data\.driver_opts\.device: variable DATA is not set/,
    );
    expect(error.hint).toBe('set DATA in the environment or in /p/.env, or write ${DATA:-/some/path}');
    expectUsageError(
      errorOf('x-phoenix:\n  baseDir: $BASE/x\n'),
      'COMPOSE_VARIABLE',
      /x-phoenix\.baseDir: variable BASE/,
    );
  });

  it('accepts interpolated booleans', () => {
    const model = parse(
      'services:\n  s:\n    volumes:\n      - { type: volume, source: v, target: /v, read_only: "${RO}" }\nvolumes:\n  v: {}\n',
      {
        RO: 'true',
      },
    );
    expect(model.services[0]?.mounts[0]?.readOnly).toBe(true);
  });
});
