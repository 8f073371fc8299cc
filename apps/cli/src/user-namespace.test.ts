import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from './cli.ts';
import { refuseRemotePodman } from './user-namespace.ts';

const remote = { CONTAINER_HOST: 'unix:///run/user/1000/podman/podman.sock' };

describe('the remote-podman refusal', () => {
  it('refuses the commands that need the user namespace, with the options that make them need it', async () => {
    for (const [command, options] of [
      ['restore', { repo: '/srv/restic' }],
      ['backup create', { offsite: true }],
    ] as const) {
      await expect(refuseRemotePodman(command, options, remote)).rejects.toMatchObject({
        code: 'PODMAN_REMOTE_UNSUPPORTED',
        exitCode: 2,
        message: `${command} needs podman's user namespace (podman unshare), which a remote podman client cannot enter (CONTAINER_HOST=${remote.CONTAINER_HOST})`,
      });
    }
  });

  it('lets setup (helper containers), read-only commands and options through, and a process already inside the namespace', async () => {
    for (const [command, options] of [
      ['setup', {}],
      ['setup', { dryRun: true }],
      ['doctor', {}],
      ['doctor', { fix: true }], // its fixes run in helper containers through a remote podman
      ['logs rotate', {}], // helper containers through the named volume
      ['nginx deploy', { reload: true }], // staged, tested and swapped through the named volume
      ['cleanup', { stop: true }], // measured and removed by helpers, the safety backup streamed out of helpers
      ['status', {}],
      ['check', {}],
      ['config', {}],
      ['backup ls', {}],
      ['backup create', {}], // archives stream out of helper containers, dumps through podman exec
      ['restore', {}], // checked in Node, extracted and swapped in a helper container
      ['adopt', {}], // copied, verified and swapped on the machine by helper containers
    ] as const) {
      await expect(refuseRemotePodman(command, options, remote)).resolves.toBeUndefined();
    }
    const inside = { ...remote, _CONTAINERS_USERNS_CONFIGURED: 'done' };
    await expect(refuseRemotePodman('restore', {}, inside)).resolves.toBeUndefined();
  });

  describe('wired before every command action', () => {
    afterEach(() => {
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
    });

    it('exits 2 for `restore --repo` before its module loads, naming podman machine ssh', async () => {
      vi.stubEnv('CONTAINER_HOST', remote.CONTAINER_HOST);
      let stderr = '';
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
        stderr += String(chunk);
        return true;
      });
      const args = [
        'restore',
        'x',
        '--repo',
        '/nonexistent/restic',
        '--compose',
        '/nonexistent/podman-compose.yaml',
      ];
      expect(await run(args)).toBe(2);
      expect(stderr).toMatch(/^error: restore needs podman's user namespace/m);
      expect(stderr).toMatch(/^hint: .*podman machine ssh/m);
    });
  });
});
