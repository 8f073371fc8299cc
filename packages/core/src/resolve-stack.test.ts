// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose ${VAR} syntax is the subject under test
import { join } from 'node:path';
import type { PhoenixError } from '@phoenix-hydra/errors';
import { describe, expect, it } from 'vitest';
import { designCompose, tempProject } from '../test/temp-project.ts';
import { defaultStack } from './default-stack.ts';
import { resolveStack } from './resolve-stack.ts';

const HOME = '/home/ana';
const DESIGN_BASE = '/home/ana/.local/share/phoenix-hydra';

async function errorOf(promise: Promise<unknown>): Promise<PhoenixError> {
  try {
    await promise;
  } catch (error) {
    return error as PhoenixError;
  }
  throw new Error('expected resolveStack to fail');
}

const compose = (
  volumes: string,
  services = 'services:\n  app:\n    image: example/app\n    volumes: [a:/a, b:/b]\n',
) => `${services}volumes:\n${volumes}`;
const bind = (device: string, extra = '') =>
  `    driver_opts: { type: none, o: bind, device: "${device}" }\n${extra}`;

describe('resolveStack with the original design', () => {
  it('resolves the design compose file to the built-in stack', async () => {
    const cwd = await tempProject({ 'podman-compose.yaml': await designCompose() });
    const resolved = await resolveStack({ cwd, env: { HOME } });
    expect(resolved.source).toBe('compose');
    expect(resolved.warnings).toEqual([]);
    expect(resolved.stack).toStrictEqual({
      ...defaultStack({ baseDir: DESIGN_BASE }),
      composeFile: join(cwd, 'podman-compose.yaml'),
    });
    expect(JSON.parse(JSON.stringify(resolved.stack))).toStrictEqual(resolved.stack);
  });

  it('names the project after the directory, as podman-compose does, but keeps the devices base', async () => {
    const cwd = await tempProject({ 'compose.yaml': await designCompose() }, 'My Stack');
    const { stack } = await resolveStack({ cwd, env: { HOME } });
    expect(stack.project).toBe('mystack');
    expect(stack.baseDir).toBe(DESIGN_BASE);
    expect(stack.volumes.map((volume) => volume.hostPath)).toEqual(
      ['db_data', 'nginx_config', 'logs'].map((name) => `${DESIGN_BASE}/${name}`),
    );
  });

  it('fails when HOME is unset, since the devices would move to /.local/share', async () => {
    const cwd = await tempProject({ 'podman-compose.yaml': await designCompose() });
    const error = await errorOf(resolveStack({ cwd, env: {} }));
    expect(error.code).toBe('COMPOSE_VARIABLE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(
      /podman-compose\.yaml:33:15: volumes\.db_data\.driver_opts\.device: variable HOME is not set/,
    );
  });
});

describe('resolveStack without a compose file', () => {
  it('returns the built-in stack', async () => {
    const cwd = await tempProject({});
    expect(await resolveStack({ cwd, env: { HOME } })).toStrictEqual({
      stack: defaultStack({ baseDir: DESIGN_BASE }),
      warnings: [],
      source: 'default',
    });
  });

  it('applies --project, COMPOSE_PROJECT_NAME, --base-dir and PHOENIX_BASE_DIR', async () => {
    const cwd = await tempProject({});
    const named = await resolveStack({ cwd, env: { HOME, COMPOSE_PROJECT_NAME: 'hydra' } });
    expect([named.stack.project, named.stack.baseDir]).toEqual(['hydra', '/home/ana/.local/share/hydra']);
    const fromEnv = await resolveStack({
      cwd,
      project: 'p2',
      env: { HOME, PHOENIX_BASE_DIR: '/srv/phoenix' },
    });
    expect([fromEnv.stack.project, fromEnv.stack.baseDir]).toEqual(['p2', '/srv/phoenix']);
    const fromOption = await resolveStack({
      cwd,
      baseDir: 'data',
      env: { HOME, PHOENIX_BASE_DIR: '/srv/phoenix' },
    });
    expect(fromOption.stack.baseDir).toBe(join(cwd, 'data'));
  });
});

describe('resolveStack: finding the file', () => {
  it('prefers podman-compose.yaml and warns about the files it ignores', async () => {
    const cwd = await tempProject({
      'podman-compose.yaml': compose('  a:\n  b:\n'),
      'compose.yaml': 'services: {}\n',
      'compose.override.yaml': 'services: {}\n',
    });
    const { stack, warnings } = await resolveStack({ cwd, env: { HOME } });
    expect(stack.composeFile).toBe(join(cwd, 'podman-compose.yaml'));
    expect(warnings).toEqual([
      `${join(cwd, 'compose.yaml')} is ignored (read ${join(cwd, 'podman-compose.yaml')}); podman-compose would merge it - pass --compose to be explicit`,
      `${join(cwd, 'compose.override.yaml')} is ignored (read ${join(cwd, 'podman-compose.yaml')}); podman-compose would merge it - pass --compose to be explicit`,
    ]);
  });

  it.each(['compose.yml', 'docker-compose.yaml', 'docker-compose.yml'])('finds %s', async (name) => {
    const cwd = await tempProject({ [name]: compose('  a:\n  b:\n') });
    expect((await resolveStack({ cwd, env: { HOME } })).stack.composeFile).toBe(join(cwd, name));
  });

  it('reads an explicit file or COMPOSE_FILE, relative to cwd', async () => {
    const cwd = await tempProject({ 'stack.yaml': compose('  a:\n  b:\n') });
    expect((await resolveStack({ cwd, composeFile: 'stack.yaml', env: { HOME } })).source).toBe('compose');
    expect((await resolveStack({ cwd, env: { HOME, COMPOSE_FILE: 'stack.yaml' } })).stack.composeFile).toBe(
      join(cwd, 'stack.yaml'),
    );
    const several = await errorOf(resolveStack({ cwd, env: { HOME, COMPOSE_FILE: 'a.yaml:b.yaml' } }));
    expect([several.code, several.exitCode]).toEqual(['USAGE', 2]);
  });

  it('reports a missing explicit file and malformed YAML', async () => {
    const cwd = await tempProject({ 'compose.yaml': 'services:\n  db: [\n' });
    const missing = await errorOf(resolveStack({ cwd, composeFile: 'nope.yaml', env: { HOME } }));
    expect([missing.code, missing.exitCode, missing.message]).toEqual([
      'COMPOSE_NOT_FOUND',
      2,
      `compose file ${join(cwd, 'nope.yaml')} does not exist`,
    ]);
    const malformed = await errorOf(resolveStack({ cwd, env: { HOME } }));
    expect(malformed.code).toBe('COMPOSE_YAML');
    expect(malformed.message).toMatch(new RegExp(`^${join(cwd, 'compose.yaml')}:\\d+:\\d+: `));
  });
});

describe('resolveStack: environment, project and base directory', () => {
  it('reads .env next to the compose file; the process environment wins', async () => {
    const cwd = await tempProject({
      '.env': 'DATA=/srv/phoenix\nCOMPOSE_PROJECT_NAME=from-dotenv\nOTHER=dotenv\n',
      'compose.yaml': compose(`  a:\n${bind('${DATA}/a')}  b:\n${bind('${DATA}/${OTHER}')}`),
    });
    const { stack } = await resolveStack({ cwd, env: { HOME, OTHER: 'process' } });
    expect(stack.project).toBe('from-dotenv');
    expect(stack.baseDir).toBe('/srv/phoenix');
    expect(stack.volumes.map((volume) => volume.hostPath)).toEqual([
      '/srv/phoenix/a',
      '/srv/phoenix/process',
    ]);
  });

  it('takes the project from name: unless -p or COMPOSE_PROJECT_NAME say otherwise', async () => {
    const cwd = await tempProject({ 'compose.yaml': `name: named\n${compose('  a:\n  b:\n')}` });
    expect((await resolveStack({ cwd, env: { HOME } })).stack.project).toBe('named');
    expect((await resolveStack({ cwd, env: { HOME, COMPOSE_PROJECT_NAME: 'env' } })).stack.project).toBe(
      'env',
    );
    expect(
      (await resolveStack({ cwd, project: 'opt', env: { HOME, COMPOSE_PROJECT_NAME: 'env' } })).stack.project,
    ).toBe('opt');
  });

  it('puts volumes without a device under the base directory', async () => {
    const cwd = await tempProject({
      'compose.yaml': `x-phoenix: { baseDir: ./data }\n${compose('  a:\n  b:\n')}`,
    });
    const { stack } = await resolveStack({ cwd, env: { HOME } });
    expect(stack.baseDir).toBe(join(cwd, 'data'));
    expect(stack.volumes.map((volume) => volume.hostPath)).toEqual([
      join(cwd, 'data/a'),
      join(cwd, 'data/b'),
    ]);
  });

  it('reads the database superuser and database from x-phoenix.postgres, and rejects a typo in it', async () => {
    const cwd = await tempProject({
      'compose.yaml': `x-phoenix: { postgres: { user: windmill_user, database: windmill } }\n${compose('  a:\n  b:\n')}`,
    });
    const { stack } = await resolveStack({ cwd, env: { HOME } });
    expect(stack.postgres).toEqual({ user: 'windmill_user', database: 'windmill' });
    const typo = await tempProject({
      'compose.yaml': `x-phoenix: { postgres: { usr: windmill_user } }\n${compose('  a:\n  b:\n')}`,
    });
    expect((await errorOf(resolveStack({ cwd: typo, env: { HOME } }))).message).toMatch(/unknown key "usr"/);
  });

  it('keeps a user given by name (the image decides its uid), so nothing treats it as root', async () => {
    const cwd = await tempProject({
      'compose.yaml': compose(
        '  a:\n  b:\n',
        'services:\n  web:\n    image: nginx:stable\n    user: nginx\n    volumes: [a:/a]\n  app:\n    image: x\n    user: "1000:staff"\n    volumes: [b:/b]\n',
      ),
    });
    const { stack } = await resolveStack({ cwd, env: { HOME } });
    expect(stack.services.map(({ name, user, userName }) => ({ name, user, userName }))).toEqual([
      { name: 'web', user: undefined, userName: 'nginx' },
      { name: 'app', user: { uid: 1000 }, userName: undefined },
    ]);
  });

  it('reads the off-host repository from x-phoenix.offsite: local paths resolved, never a password', async () => {
    const cwd = await tempProject({
      'compose.yaml': `x-phoenix: { offsite: { repo: ./restic, passwordFile: ~/.restic-pass } }\n${compose('  a:\n  b:\n')}`,
    });
    const { stack } = await resolveStack({ cwd, env: { HOME } });
    expect(stack.offsite).toEqual({ repo: join(cwd, 'restic'), passwordFile: join(HOME, '.restic-pass') });
    const remote = await tempProject({
      'compose.yaml': `x-phoenix: { offsite: { repo: "rest:http://127.0.0.1:8000/", passwordEnv: REPO_PASS } }\n${compose('  a:\n  b:\n')}`,
    });
    expect((await resolveStack({ cwd: remote, env: { HOME } })).stack.offsite).toEqual({
      repo: 'rest:http://127.0.0.1:8000/',
      passwordEnv: 'REPO_PASS',
    });
    for (const [offsite, message] of [
      ['{ repo: /r, password: hunter2 }', /unknown key "password"/],
      ['{ repo: /r, passwordFile: /f, passwordEnv: V }', /passwordFile or passwordEnv, not both/],
      ['{ passwordFile: /f }', /repo/],
    ] as const) {
      const bad = await tempProject({
        'compose.yaml': `x-phoenix: { offsite: ${offsite} }\n${compose('  a:\n  b:\n')}`,
      });
      expect((await errorOf(resolveStack({ cwd: bad, env: { HOME } }))).message).toMatch(message);
    }
  });

  it('resolves relative and ~ devices, warning that podman-compose will not', async () => {
    const cwd = await tempProject({
      'compose.yaml': compose(`  a:\n${bind('./data/a')}  b:\n${bind('~/phoenix/b')}`),
    });
    const { stack, warnings } = await resolveStack({ cwd, baseDir: '/', env: { HOME } });
    expect(stack.volumes.map((volume) => volume.hostPath)).toEqual([
      join(cwd, 'data/a'),
      '/home/ana/phoenix/b',
    ]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^volume a: driver_opts\.device "\.\/data\/a" is not absolute/);
  });

  it('rejects a device outside the base directory unless it is external', async () => {
    const outside = compose(`  a:\n${bind('/srv/elsewhere/a')}  b:\n`);
    const cwd = await tempProject({ 'compose.yaml': `x-phoenix: { baseDir: /srv/phoenix }\n${outside}` });
    const error = await errorOf(resolveStack({ cwd, env: { HOME } }));
    expect(error.code).toBe('PATH_OUTSIDE_BASE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      `${join(cwd, 'compose.yaml')}:8:49: volumes.a.driver_opts.device: volume a: host path /srv/elsewhere/a is outside the base directory /srv/phoenix`,
    );
    expect(error.hint).toContain(`set x-phoenix.external: true on volume a in ${join(cwd, 'compose.yaml')}`);

    const external = compose(
      `  a:\n${bind('/srv/elsewhere/a', '    x-phoenix: { external: true }\n')}  b:\n`,
    );
    const ok = await tempProject({ 'compose.yaml': `x-phoenix: { baseDir: /srv/phoenix }\n${external}` });
    const { stack } = await resolveStack({ cwd: ok, env: { HOME } });
    expect(stack.volumes.map((volume) => [volume.hostPath, volume.external])).toEqual([
      ['/srv/elsewhere/a', true],
      ['/srv/phoenix/b', false],
    ]);
  });

  it('rejects two volumes on one directory', async () => {
    const cwd = await tempProject({
      'compose.yaml': compose(`  a:\n${bind('/srv/phoenix/same')}  b:\n${bind('/srv/phoenix/same')}`),
    });
    const error = await errorOf(resolveStack({ cwd, env: { HOME } }));
    expect([error.code, error.exitCode]).toEqual(['PATH_CONFLICT', 2]);
    expect(error.message).toMatch(/volumes\.b\.driver_opts\.device: volumes a and b use the same directory/);
  });
});
