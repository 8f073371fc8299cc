import { describe, expect, it } from 'vitest';
import { platformDirs } from './platform-dirs.ts';

describe('the CLI directories per platform', () => {
  it.each([
    {
      why: 'Linux: XDG defaults, as today',
      platform: 'linux' as const,
      env: {},
      home: '/home/ana',
      dirs: {
        config: '/home/ana/.config/phoenix-hydra',
        data: '/home/ana/.local/share/phoenix-hydra',
        state: '/home/ana/.local/state/phoenix-hydra',
      },
    },
    {
      why: 'Linux: absolute XDG variables win, a relative one is ignored (XDG spec)',
      platform: 'linux' as const,
      env: { XDG_CONFIG_HOME: '/c', XDG_DATA_HOME: 'relative', XDG_STATE_HOME: '/s' },
      home: '/home/ana',
      dirs: {
        config: '/c/phoenix-hydra',
        data: '/home/ana/.local/share/phoenix-hydra',
        state: '/s/phoenix-hydra',
      },
    },
    {
      why: 'macOS: Application Support',
      platform: 'darwin' as const,
      env: {},
      home: '/Users/ana',
      dirs: {
        config: '/Users/ana/Library/Application Support/phoenix-hydra/Config',
        data: '/Users/ana/Library/Application Support/phoenix-hydra',
        state: '/Users/ana/Library/Application Support/phoenix-hydra/State',
      },
    },
    {
      why: 'macOS: an XDG variable the user set still wins (podman reads them there too)',
      platform: 'darwin' as const,
      env: { XDG_STATE_HOME: '/Users/ana/.local/state' },
      home: '/Users/ana',
      dirs: {
        config: '/Users/ana/Library/Application Support/phoenix-hydra/Config',
        data: '/Users/ana/Library/Application Support/phoenix-hydra',
        state: '/Users/ana/.local/state/phoenix-hydra',
      },
    },
    {
      why: 'Windows: %LOCALAPPDATA%, XDG ignored',
      platform: 'win32' as const,
      env: { LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local', XDG_STATE_HOME: '/s' },
      home: 'C:\\Users\\ana',
      dirs: {
        config: 'C:\\Users\\ana\\AppData\\Local\\phoenix-hydra\\Config',
        data: 'C:\\Users\\ana\\AppData\\Local\\phoenix-hydra\\Data',
        state: 'C:\\Users\\ana\\AppData\\Local\\phoenix-hydra\\State',
      },
    },
    {
      why: 'Windows without LOCALAPPDATA: its usual place under the profile',
      platform: 'win32' as const,
      env: {},
      home: 'D:\\profiles\\ana',
      dirs: {
        config: 'D:\\profiles\\ana\\AppData\\Local\\phoenix-hydra\\Config',
        data: 'D:\\profiles\\ana\\AppData\\Local\\phoenix-hydra\\Data',
        state: 'D:\\profiles\\ana\\AppData\\Local\\phoenix-hydra\\State',
      },
    },
  ])('$why', ({ platform, env, home, dirs }) => {
    expect(platformDirs('phoenix-hydra', platform, env, home)).toEqual(dirs);
  });
});

describe('stateDir follows the platform', () => {
  it('keeps Linux where it was and moves macOS and Windows to their own places', async () => {
    const { stateDir } = await import('./state-paths.ts');
    expect(stateDir({ HOME: '/home/ana' }, 'linux')).toBe('/home/ana/.local/state/phoenix-hydra');
    expect(stateDir({ HOME: '/home/ana', XDG_STATE_HOME: '/st' }, 'linux')).toBe('/st/phoenix-hydra');
    expect(stateDir({ HOME: '/Users/ana' }, 'darwin')).toBe(
      '/Users/ana/Library/Application Support/phoenix-hydra/State',
    );
    expect(
      stateDir({ HOME: 'C:\\Users\\ana', LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local' }, 'win32'),
    ).toBe('C:\\Users\\ana\\AppData\\Local\\phoenix-hydra\\State');
  });
});
