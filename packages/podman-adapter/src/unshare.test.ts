import { describe, expect, it } from 'vitest';
import { readFixture } from '../test/read-fixture.ts';
import { outcomeError } from './runner.ts';
import { createUnshare, parseDuOutput, parseStatOutput, remoteRefusal } from './unshare.ts';

const config = { bin: 'podman', timeoutMs: 1000, streamTimeoutMs: 1000, env: {} };

describe('parseStatOutput', () => {
  it('parses NUL-separated records, keeping odd paths intact', () => {
    const out = '999:999:41c0:4096:/data/db\u00000:0:81a4:3:/data/a:b\nc\u0000';
    expect(parseStatOutput(out)).toEqual([
      { path: '/data/db', uid: 999, gid: 999, mode: 0o700, type: 'directory', size: 4096 },
      { path: '/data/a:b\nc', uid: 0, gid: 0, mode: 0o644, type: 'file', size: 3 },
    ]);
  });

  it('keeps setgid bits and recognises symlinks', () => {
    expect(parseStatOutput('1:1:45f8:10:/x\u00001:1:a1ff:1:/l\u0000').map((s) => [s.mode, s.type])).toEqual([
      [0o2770, 'directory'],
      [0o777, 'symlink'],
    ]);
  });
});

describe('recorded unshare output', () => {
  it('shows the chowned data dir as 999:999 0700 inside the namespace', () => {
    expect(parseStatOutput(readFixture('unshare-stat.bin'))).toEqual([
      {
        path: '/home/phoenix-e2e/pa-fixture/db_data',
        uid: 999,
        gid: 999,
        mode: 0o700,
        type: 'directory',
        size: 4096,
      },
      {
        path: '/home/phoenix-e2e/pa-fixture/conf/app.conf',
        uid: 0,
        gid: 0,
        mode: 0o644,
        type: 'file',
        size: 3,
      },
      {
        path: '/home/phoenix-e2e/pa-fixture/conf/link',
        uid: 0,
        gid: 0,
        mode: 0o777,
        type: 'symlink',
        size: 8,
      },
    ]);
  });

  it('reads du -sb and du --inodes', () => {
    expect(parseDuOutput(readFixture('unshare-du-bytes.txt'))).toBe(12299);
    expect(parseDuOutput(readFixture('unshare-du-inodes.txt'))).toBe(5);
  });
});

describe('parseDuOutput', () => {
  it('reads the first column', () => {
    expect(parseDuOutput('8196\t/tmp/x\n')).toBe(8196);
    expect(() => parseDuOutput('du: cannot read')).toThrow(/unexpected du output/);
  });
});

describe('createUnshare', () => {
  it('refuses relative paths and / before running podman', async () => {
    const unshare = createUnshare(config);
    await expect(unshare.rmrf('/')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(unshare.rmrf('//')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(unshare.chown(['data'], { uid: 999, gid: 999 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(unshare.stat([])).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('unshare as root', () => {
  // Real root; inside `podman unshare` uid 0 is the rootless user, for whom unshare works.
  const realRoot = process.getuid?.() === 0 && process.env._CONTAINERS_USERNS_CONFIGURED === undefined;
  it.skipIf(!realRoot)('refuses with a usage error naming the fix, without calling podman', async () => {
    const unshare = createUnshare({ ...config, bin: '/nonexistent/podman' });
    await expect(unshare.chmod(['/tmp/x'], 0o700)).rejects.toMatchObject({
      code: 'USAGE',
      hint: expect.stringMatching(/user that runs the rootless containers/),
    });
  });
});

describe('unshare through a remote podman client (recorded, CONTAINER_HOST set)', () => {
  const failed = (stderr: string) =>
    outcomeError(config, ['unshare', 'chown', '999:999', '/x'], {
      failed: true,
      exitCode: 125,
      stderr,
      timedOut: false,
      isCanceled: false,
    });

  it("turns podman's refusal into PODMAN_REMOTE_UNSUPPORTED, exit 2, naming podman machine ssh", () => {
    expect(remoteRefusal(failed(readFixture('unshare-remote.stderr.txt')), 'chown')).toMatchObject({
      code: 'PODMAN_REMOTE_UNSUPPORTED',
      exitCode: 2,
      message: expect.stringMatching(/^chown must run inside podman's user namespace, which a remote/),
      hint: expect.stringMatching(/podman machine ssh/),
    });
  });

  it('leaves every other failure as it was', () => {
    expect(remoteRefusal(failed('Error: chown /x: operation not permitted'), 'chown')).toBeUndefined();
    expect(remoteRefusal(new Error('boom'), 'chown')).toBeUndefined();
  });
});
