import { describe, expect, it } from 'vitest';
import { removeKeptCommand } from './kept-note.ts';

describe('the command that removes a kept copy', () => {
  it.each([
    [false, 'linux', '/home/u/d.pre-restore-T', 'podman unshare rm -rf /home/u/d.pre-restore-T'],
    [
      true,
      'darwin',
      '/Users/u/d.pre-restore-T',
      'podman machine ssh podman unshare rm -rf /Users/u/d.pre-restore-T',
    ],
    [
      true,
      'win32',
      'C:\\Users\\u\\d.pre-restore-T',
      'podman machine ssh podman unshare rm -rf /mnt/c/Users/u/d.pre-restore-T',
    ],
  ] as const)('remote %s on %s', (remote, platform, path, command) => {
    expect(removeKeptCommand(path, remote, platform)).toBe(command);
  });

  it('through a podman service from Linux, names its host, not podman machine', () => {
    const command = removeKeptCommand('/home/u/d.pre-restore-T', true, 'linux');
    expect(command).not.toMatch(/podman machine/);
    expect(command).toMatch(
      /^podman unshare rm -rf \/home\/u\/d\.pre-restore-T, .*CONTAINER_HOST.* on its host$/,
    );
  });
});
