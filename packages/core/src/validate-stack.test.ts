import type { PhoenixError } from '@phoenix-hydra/errors';
import { describe, expect, it } from 'vitest';
import { defaultStack } from './default-stack.ts';
import type { Stack, VolumeSpec } from './model.ts';
import { validateStack } from './validate-stack.ts';
import type { YamlSource } from './yaml-source.ts';
import { parseYaml } from './yaml-source.ts';

const base = () => defaultStack({ baseDir: '/home/ana/.local/share/phoenix-hydra' });

function withVolume(stack: Stack, name: string, change: Partial<VolumeSpec>): Stack {
  return {
    ...stack,
    volumes: stack.volumes.map((volume) => (volume.name === name ? { ...volume, ...change } : volume)),
  };
}

function errorOf(stack: Stack, source?: YamlSource) {
  try {
    validateStack(stack, source);
  } catch (error) {
    return error as PhoenixError;
  }
  throw new Error('expected the stack to be rejected');
}

describe('validateStack', () => {
  it('accepts the built-in stack and external volumes anywhere', () => {
    expect(() => validateStack(base())).not.toThrow();
    expect(() =>
      validateStack(withVolume(base(), 'logs', { hostPath: '/var/log/phoenix', external: true })),
    ).not.toThrow();
  });

  it('rejects a host path outside the base directory, with the fix', () => {
    const stack = {
      ...withVolume(base(), 'db_data', { hostPath: '/srv/db' }),
      composeFile: '/p/compose.yaml',
    };
    const error = errorOf(stack);
    expect(error.code).toBe('PATH_OUTSIDE_BASE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'volume db_data: host path /srv/db is outside the base directory /home/ana/.local/share/phoenix-hydra',
    );
    expect(error.hint).toBe(
      'move it under /home/ana/.local/share/phoenix-hydra (driver_opts.device: /home/ana/.local/share/phoenix-hydra/db_data) or set x-phoenix.external: true on volume db_data in /p/compose.yaml',
    );
  });

  it('rejects a volume at the base directory itself and "prefix" look-alikes', () => {
    expect(
      errorOf(withVolume(base(), 'logs', { hostPath: '/home/ana/.local/share/phoenix-hydra' })).code,
    ).toBe('PATH_OUTSIDE_BASE');
    expect(
      errorOf(withVolume(base(), 'logs', { hostPath: '/home/ana/.local/share/phoenix-hydra-old/logs' })).code,
    ).toBe('PATH_OUTSIDE_BASE');
  });

  it('points at the device line when it has the compose source', () => {
    const { source } = parseYaml(
      '/p/compose.yaml',
      'volumes:\n  db_data:\n    driver_opts:\n      type: none\n      o: bind\n      device: /srv/db\n',
    );
    const stack = {
      ...withVolume(base(), 'db_data', { hostPath: '/srv/db' }),
      composeFile: '/p/compose.yaml',
    };
    expect(errorOf(stack, source).message).toMatch(
      /^\/p\/compose\.yaml:6:15: volumes\.db_data\.driver_opts\.device: volume db_data/,
    );
  });

  it('rejects two volumes on one path and nested volumes', () => {
    const same = withVolume(base(), 'logs', {
      hostPath: '/home/ana/.local/share/phoenix-hydra/nginx_config',
    });
    const error = errorOf(same);
    expect(error.code).toBe('PATH_CONFLICT');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'volumes nginx_config and logs use the same directory: /home/ana/.local/share/phoenix-hydra/nginx_config and /home/ana/.local/share/phoenix-hydra/nginx_config',
    );
    expect(error.hint).toMatch(/^give volumes nginx_config and logs separate, non-nested directories/);
    const nested = withVolume(base(), 'logs', {
      hostPath: '/home/ana/.local/share/phoenix-hydra/db_data/logs',
    });
    expect(errorOf(nested).message).toMatch(/^volumes db_data and logs use nested directories/);
    // The parent after its child, the child's path written unresolved (/./, //, a trailing /).
    const [first, ...rest] = nested.volumes;
    const child = { ...(first as VolumeSpec), name: 'child', hostPath: `${first?.hostPath}/./x//db/` };
    expect(errorOf({ ...nested, volumes: [child, first as VolumeSpec, ...rest] }).message).toMatch(
      /^volumes child and db_data use nested directories/,
    );
  });

  it('rejects an external volume that contains the base directory', () => {
    const error = errorOf(withVolume(base(), 'logs', { hostPath: '/home/ana/.local/share', external: true }));
    expect(error.code).toBe('PATH_CONFLICT');
  });

  it('rejects out-of-range modes and ids, naming the volume and value', () => {
    const mode = errorOf(withVolume(base(), 'db_data', { mode: 0o1700 }));
    expect(mode.code).toBe('VOLUME_INVALID');
    expect(mode.message).toBe('volume db_data: invalid mode 1700, expected 0000-0777');
    expect(mode.hint).toMatch(/^set x-phoenix\.mode: "0755" on volume db_data/);
    const owner = errorOf(withVolume(base(), 'db_data', { owner: { uid: -1, gid: 0 } }));
    expect(owner.code).toBe('VOLUME_INVALID');
    expect(owner.message).toBe('volume db_data: invalid owner id -1, expected 0-4294967294');
    expect(errorOf(withVolume(base(), 'db_data', { name: 'bad name' })).code).toBe('VOLUME_INVALID');
  });
});
