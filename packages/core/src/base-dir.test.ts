import { describe, expect, it } from 'vitest';
import { commonParent, defaultBaseDir, resolveBaseDir } from './base-dir.ts';

const env = { HOME: '/home/ana' };

describe('defaultBaseDir', () => {
  it('uses XDG_DATA_HOME when absolute, else ~/.local/share', () => {
    expect(defaultBaseDir(env, 'phoenix-hydra')).toBe('/home/ana/.local/share/phoenix-hydra');
    expect(defaultBaseDir({ ...env, XDG_DATA_HOME: '/data/xdg' }, 'p')).toBe('/data/xdg/p');
    expect(defaultBaseDir({ ...env, XDG_DATA_HOME: 'relative' }, 'p')).toBe('/home/ana/.local/share/p');
  });
});

describe('commonParent', () => {
  it('is the deepest directory holding every path', () => {
    expect(commonParent(['/a/b/c', '/a/b/d'])).toBe('/a/b');
    expect(commonParent(['/a/b/c', '/a/b/sub/d'])).toBe('/a/b');
    expect(commonParent(['/a/bc/x', '/a/b/y'])).toBe('/a');
    expect(commonParent(['/srv/pg/data'])).toBe('/srv/pg');
    expect(commonParent(['/x/1', '/y/2'])).toBe('/');
    expect(commonParent([])).toBeUndefined();
  });
});

describe('resolveBaseDir', () => {
  const base = { env, devices: [], project: 'phoenix-hydra', cwd: '/work', composeDir: '/work/stack' };
  const design = ['db_data', 'nginx_config', 'logs'].map(
    (name) => `/home/ana/.local/share/phoenix-hydra/${name}`,
  );

  it('follows option > x-phoenix.baseDir > PHOENIX_BASE_DIR > devices > XDG default', () => {
    const all = {
      ...base,
      option: 'opt',
      xPhoenixBaseDir: 'xdir',
      env: { ...env, PHOENIX_BASE_DIR: '~/envdir' },
      devices: design,
    };
    expect(resolveBaseDir(all)).toEqual({ baseDir: '/work/opt', source: 'option' });
    expect(resolveBaseDir({ ...all, option: undefined })).toEqual({
      baseDir: '/work/stack/xdir',
      source: 'x-phoenix',
    });
    expect(resolveBaseDir({ ...all, option: undefined, xPhoenixBaseDir: undefined })).toEqual({
      baseDir: '/home/ana/envdir',
      source: 'env',
    });
    expect(resolveBaseDir({ ...base, devices: design })).toEqual({
      baseDir: '/home/ana/.local/share/phoenix-hydra',
      source: 'devices',
    });
    expect(resolveBaseDir(base)).toEqual({
      baseDir: '/home/ana/.local/share/phoenix-hydra',
      source: 'default',
    });
  });

  it('never takes /, a top-level directory or $HOME and above from the devices', () => {
    for (const devices of [
      ['/a/x', '/b/y'],
      ['/srv/x', '/srv/y'],
      ['/home/ana/db', '/home/ana/logs'],
      ['/home/ana/x', '/home/bob/y'],
    ]) {
      expect(resolveBaseDir({ ...base, devices }).source).toBe('default');
    }
    expect(resolveBaseDir({ ...base, devices: ['/srv/phoenix/db', '/srv/phoenix/logs'] }).baseDir).toBe(
      '/srv/phoenix',
    );
  });

  it('expands ~ in options', () => {
    expect(resolveBaseDir({ ...base, option: '~/phoenix' }).baseDir).toBe('/home/ana/phoenix');
    expect(resolveBaseDir({ ...base, xPhoenixBaseDir: '~' }).baseDir).toBe('/home/ana');
  });
});
