import { describe, expect, it } from 'vitest';
import { defaultStack } from './default-stack.ts';
import { formatMode, formatOwner, stackSchema } from './model.ts';
import { NGINX_DEFAULT_CONF, nginxDefaultConf, starterListenPort } from './nginx-default-conf.ts';

describe('defaultStack', () => {
  it('is the original design: db_data, nginx_config and logs under the XDG data directory', () => {
    const stack = defaultStack({ env: { HOME: '/home/ana' } });
    expect(stackSchema.parse(stack)).toEqual(stack);
    expect(stack.project).toBe('phoenix-hydra');
    expect(stack.baseDir).toBe('/home/ana/.local/share/phoenix-hydra');
    expect(stack.composeFile).toBeNull();
    expect(
      stack.volumes.map((v) => [
        v.name,
        v.kind,
        formatMode(v.mode),
        formatOwner(v.owner),
        v.containerPath,
        v.readOnly,
        v.selinux,
        v.backup,
        v.services,
      ]),
    ).toEqual([
      [
        'db_data',
        'database',
        '0700',
        '999:999',
        '/var/lib/postgresql/data',
        false,
        'Z',
        'postgres-logical',
        ['db'],
      ],
      ['nginx_config', 'config', '0755', '101:101', '/etc/nginx/conf.d', true, 'Z', 'archive', ['nginx']],
      ['logs', 'logs', '0755', '0:0', '/var/log/nginx', false, 'Z', 'archive', ['nginx']],
    ]);
    expect(stack.volumes.map((v) => v.hostPath)).toEqual([
      '/home/ana/.local/share/phoenix-hydra/db_data',
      '/home/ana/.local/share/phoenix-hydra/nginx_config',
      '/home/ana/.local/share/phoenix-hydra/logs',
    ]);
    expect(stack.services.map((s) => [s.name, s.image, s.user])).toEqual([
      ['db', 'postgres:15', { uid: 999, gid: 999 }],
      ['nginx', 'nginx:stable', undefined],
    ]);
  });

  it('honours XDG_DATA_HOME and an explicit project or base directory', () => {
    expect(defaultStack({ env: { HOME: '/home/ana', XDG_DATA_HOME: '/data' } }).baseDir).toBe(
      '/data/phoenix-hydra',
    );
    const custom = defaultStack({ project: 'hydra2', baseDir: '/srv/h' });
    expect(custom.project).toBe('hydra2');
    expect(custom.volumes[0]?.hostPath).toBe('/srv/h/db_data');
  });
});

describe('NGINX_DEFAULT_CONF', () => {
  it('is one server on port 80 with a page and a /healthz returning 200', () => {
    expect(NGINX_DEFAULT_CONF).toMatch(/^server \{$/m);
    expect(NGINX_DEFAULT_CONF).toMatch(/^\s+listen 80;$/m);
    expect(NGINX_DEFAULT_CONF).toMatch(/location = \/healthz \{[^}]*return 200 [^}]*\}/);
    expect(NGINX_DEFAULT_CONF).toMatch(/location \/ \{[^}]*return 200 [^}]*\}/);
    expect(NGINX_DEFAULT_CONF.split('{').length).toBe(NGINX_DEFAULT_CONF.split('}').length);
  });
});

describe('starterListenPort', () => {
  it('is 80 when nginx starts as root and 8080 for a declared non-root user', () => {
    expect(starterListenPort(undefined)).toBe(80);
    expect(starterListenPort({ uid: 0, gid: 0 })).toBe(80);
    expect(starterListenPort({ uid: 101, gid: 101 })).toBe(8080);
    expect(starterListenPort(undefined, 'nginx')).toBe(8080);
    expect(starterListenPort(undefined, 'root')).toBe(80);
    expect(starterListenPort({ uid: 0 }, 'nginx')).toBe(80);
    expect(nginxDefaultConf(8080)).toMatch(/^\s+listen 8080;$/m);
  });
});
