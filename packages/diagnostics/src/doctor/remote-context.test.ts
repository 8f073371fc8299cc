import { createFakePodman } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { observation, stack } from '../../test/doctor-fakes.ts';
import { remoteUnshare } from './context.ts';
import { SkipCheck } from './finding.ts';

const reason = 'CONTAINER_HOST=unix:///run/user/1000/podman/podman.sock';

describe('what a check runs in podman unshare, through a remote podman (podman machine)', () => {
  it('runs in a helper container of the stack image as root, every existing volume directory read-only at its own path', async () => {
    const calls: unknown[] = [];
    const podman = createFakePodman({
      overrides: {
        remote: async () => ({ remote: true, reason }),
        run: async (image, argv, options) => {
          calls.push({ image, argv, options });
          return { exitCode: 0, stdout: '4096\t/x\n', stderr: '' };
        },
      },
    });
    // nginx_config is not on the machine; logs' named volume keeps its data elsewhere (mounted by path).
    const seen = observation({
      nginx_config: { dir: null },
      logs: { namedVolume: null },
    });
    const unshare = remoteUnshare(stack, podman, async () => seen);
    const db = stack.volumes.find((v) => v.name === 'db_data');
    const logs = stack.volumes.find((v) => v.name === 'logs');
    const r = await unshare(['du', '-s', '-b', '--', db?.hostPath ?? '']);
    expect(r).toEqual({ exitCode: 0, stdout: '4096\t/x\n', stderr: '' });
    expect(calls).toEqual([
      {
        image: stack.services[0]?.image,
        argv: ['-s', '-b', '--', db?.hostPath],
        options: {
          user: '0:0',
          entrypoint: 'du',
          timeoutMs: 60_000,
          mounts: [
            { source: `${stack.project}_db_data`, target: db?.hostPath, options: ['ro'] },
            { source: logs?.hostPath, target: logs?.hostPath, options: ['ro'] },
          ],
        },
      },
    ]);
  });

  it('from Windows mounts each volume at its machine path and rewrites the paths a check passes to match', async () => {
    const calls: { argv: readonly string[]; mounts: unknown }[] = [];
    const podman = createFakePodman({
      overrides: {
        remote: async () => ({ remote: true, reason }),
        run: async (_image, argv, options) => {
          calls.push({ argv, mounts: options?.mounts });
          return { exitCode: 0, stdout: '', stderr: '' };
        },
      },
    });
    const win = (name: string) => `C:\\Users\\me\\phx\\${name}`;
    const seen = observation();
    // db_data's named volume is bound to its directory as the machine names it; logs has none (mounted by path).
    seen.volumes = seen.volumes.map((v) => {
      const spec = { ...v.spec, hostPath: win(v.spec.name) };
      const device = `/mnt/c/Users/me/phx/${v.spec.name}`;
      if (v.spec.name === 'logs') return { ...v, spec, namedVolume: null };
      return { ...v, spec, namedVolume: v.namedVolume && { ...v.namedVolume, device } };
    });
    const unshare = remoteUnshare(stack, podman, async () => seen, 'win32');
    await unshare(['find', `${win('logs')}\\nginx`, '-printf', '%s %p\\0']);
    await unshare(['du', '-s', '-b', '--', win('db_data')]);
    await unshare(['cat', '--', `${win('db_data')}2\\x`]); // another directory that only starts alike
    expect(calls.map((c) => c.argv)).toEqual([
      ['/mnt/c/Users/me/phx/logs/nginx', '-printf', '%s %p\\0'],
      ['-s', '-b', '--', '/mnt/c/Users/me/phx/db_data'],
      ['--', `${win('db_data')}2\\x`],
    ]);
    expect(calls[0]?.mounts).toEqual(
      expect.arrayContaining([
        { source: `${stack.project}_db_data`, target: '/mnt/c/Users/me/phx/db_data', options: ['ro'] },
        { source: '/mnt/c/Users/me/phx/logs', target: '/mnt/c/Users/me/phx/logs', options: ['ro'] },
      ]),
    );
  });

  it('says plainly what it could not look at when the image lacks the tool, instead of a finding', async () => {
    const podman = createFakePodman({
      overrides: {
        remote: async () => ({ remote: true, reason }),
        run: async () => ({ exitCode: 127, stdout: '', stderr: 'exec: "find": executable file not found' }),
      },
    });
    const unshare = remoteUnshare(stack, podman, async () => observation());
    const refused = unshare(['find', '/x', '-printf', 'x']);
    await expect(refused).rejects.toBeInstanceOf(SkipCheck);
    await expect(refused).rejects.toThrow(
      /remote podman can only do in a helper container.*podman machine ssh/,
    );
  });

  it('runs one helper at a time however many checks ask at once, and a failed one does not stop the next', async () => {
    let running = 0;
    let most = 0;
    let n = 0;
    const podman = createFakePodman({
      overrides: {
        remote: async () => ({ remote: true, reason }),
        run: async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 20));
          running--;
          n++;
          if (n === 2) throw new Error('timed out');
          return { exitCode: 0, stdout: `${n}`, stderr: '' };
        },
      },
    });
    const unshare = remoteUnshare(stack, podman, async () => observation());
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => unshare(['stat', '/x'])));
    expect(most).toBe(1);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(SkipCheck);
  });
});
