import { describe, expect, it } from 'vitest';
import {
  defaultMachineShares,
  diagnoseBindSource,
  diagnoseMachineError,
  machineParentOf,
  splitVolumeSpec,
  toClientPath,
  toMachinePath,
} from './machine-paths.ts';

describe('paths between this computer and the podman machine', () => {
  it.each([
    ['win32', 'C:\\Users\\x\\data', '/mnt/c/Users/x/data'],
    ['win32', 'c:/Users/x/data/', '/mnt/c/Users/x/data'],
    ['win32', 'D:\\', '/mnt/d'],
    ['win32', 'E:\\a dir\\with spaces', '/mnt/e/a dir/with spaces'],
    ['win32', '\\\\server\\share\\data', null],
    ['win32', 'data\\db', null],
    ['darwin', '/Users/x/data', '/Users/x/data'],
    ['darwin', './data', null],
    ['linux', '/home/x/data/../data', '/home/x/data'],
  ] as const)('%s: %s -> %s', (platform, client, machine) => {
    expect(toMachinePath(client, platform)).toBe(machine);
  });

  it.each([
    ['win32', '/mnt/c/Users/x/data', 'C:\\Users\\x\\data'],
    ['win32', '/mnt/d', 'D:\\'],
    ['win32', '/var/lib/containers/storage/volumes/v/_data', null],
    ['darwin', '/Users/x/data', '/Users/x/data'],
  ] as const)('%s: machine %s -> %s', (platform, machine, client) => {
    expect(toClientPath(machine, platform)).toBe(client);
  });

  it.each([
    [
      'C:\\Users\\x\\data:/var/lib/postgresql/data:Z',
      { source: 'C:\\Users\\x\\data', target: '/var/lib/postgresql/data', options: 'Z' },
    ],
    ['C:/data:/d', { source: 'C:/data', target: '/d', options: null }],
    ['./logs:/var/log/nginx:ro', { source: './logs', target: '/var/log/nginx', options: 'ro' }],
    [
      'db_data:/var/lib/postgresql/data',
      { source: 'db_data', target: '/var/lib/postgresql/data', options: null },
    ],
    ['/only-a-target', null],
    ['a:b:c:d', null],
  ] as const)('compose volume %s', (spec, parts) => {
    expect(splitVolumeSpec(spec)).toEqual(parts);
  });
});

describe('what podman machine users hit, diagnosed', () => {
  const mac = defaultMachineShares('darwin', '/Users/ana');

  it('a bind source outside the machine shares names the shares and the fix', () => {
    expect(diagnoseBindSource('/Users/ana/data', 'darwin', mac)).toBeNull();
    expect(diagnoseBindSource('/private/tmp/x', 'darwin', mac)).toBeNull();
    expect(diagnoseBindSource('/opt/data', 'darwin', mac)).toMatchObject({
      code: 'BIND_OUTSIDE_SHARE',
      message:
        '/opt/data is outside the folders the podman machine shares (/Users/ana, /Users, /private, /var/folders)',
      hint: expect.stringMatching(/podman machine init --volume \/opt\/data:\/opt\/data|named volume/),
    });
    expect(diagnoseBindSource('/Usersx/a', 'darwin', ['/Users'])).toMatchObject({
      code: 'BIND_OUTSIDE_SHARE',
    });
    expect(
      diagnoseBindSource('C:\\data', 'win32', defaultMachineShares('win32', 'C:\\Users\\ana')),
    ).toBeNull();
    expect(diagnoseBindSource('\\\\nas\\data', 'win32', ['/mnt'])).toMatchObject({
      code: 'BIND_PATH_UNSUPPORTED',
    });
    expect(diagnoseBindSource('/anything', 'linux', defaultMachineShares('linux', '/home/ana'))).toBeNull();
  });

  it.each([
    [
      'Error: statfs /opt/data: no such file or directory',
      'BIND_OUTSIDE_SHARE',
      /named volume on the machine's disk/,
    ],
    [
      "chown: changing ownership of '/v/.': Operation not permitted",
      'CHOWN_ON_SHARE',
      /named volume on the machine's own disk/,
    ],
    [
      'Error: lsetxattr(label=system_u:object_r:container_file_t:s0) /Users/ana/data: operation not supported',
      'RELABEL_ON_SHARE',
      /drop :Z/,
    ],
    ['Error: image not known', null, null],
  ] as const)('podman said %j', (stderr, code, hint) => {
    const d = diagnoseMachineError(stderr, 'darwin', '/Users/ana/data');
    if (code === null) expect(d).toBeNull();
    else expect(d).toMatchObject({ code, hint: expect.stringMatching(hint as RegExp) });
  });
});

describe('a volume directory as helpers reach it on the machine', () => {
  it.each([
    ['win32', 'C:\\Users\\x\\phoenix\\nginx_config', '/mnt/c/Users/x/phoenix', 'nginx_config'],
    ['win32', 'd:/data/db_data/', '/mnt/d/data', 'db_data'],
    [
      'darwin',
      '/Users/x/.local/share/phoenix-hydra/db_data',
      '/Users/x/.local/share/phoenix-hydra',
      'db_data',
    ],
    ['linux', '/home/x/data/../data/logs', '/home/x/data', 'logs'],
  ] as const)('%s: %s is %s + %s', (platform, client, parent, name) => {
    expect(machineParentOf(client, platform)).toEqual({ parent, name });
  });

  it.each([
    ['win32', '\\\\server\\share\\data'],
    ['win32', 'C:\\'],
    ['linux', '/'],
    ['linux', 'relative/dir'],
  ] as const)('%s: refuses %s, naming it', (platform, client) => {
    expect(() => machineParentOf(client, platform)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(client) }),
    );
  });
});
