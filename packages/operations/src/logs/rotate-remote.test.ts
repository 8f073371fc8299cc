import { execFile } from 'node:child_process';
import {
  chmod,
  chown,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultStack } from '@phoenix-hydra/core';
import type { RunOptions } from '@phoenix-hydra/podman-adapter';
import { localScriptPodman } from '@phoenix-hydra/podman-adapter/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rotateThroughHelper } from './rotate-remote.ts';
import { COPIED_SUFFIX, PARTIAL_SUFFIX } from './rotated-name.ts';

const stack = defaultStack({ project: 'mac', baseDir: '/Users/ana/phoenix' });
const logs = stack.volumes.find((v) => v.kind === 'logs');
const HOSTILE = 'odd\nname $(touch pwned) `touch pwned2`; *.log';

let root = '';
let outside = '';
let helpers: RunOptions[] = [];
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'phx-rot-'));
  outside = await mkdtemp(join(tmpdir(), 'phx-rot-outside-'));
  helpers = [];
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const localHelperPodman = () => localScriptPodman(() => root, helpers);

const rotate = (policy: { maxBytes?: number; keep?: number; compress?: boolean; now?: Date } = {}) => {
  if (!logs) throw new Error('the default stack has a logs volume');
  return rotateThroughHelper(localHelperPodman(), stack, logs, {
    maxBytes: policy.maxBytes ?? 10,
    keep: policy.keep ?? 2,
    compress: policy.compress ?? true,
    now: policy.now ?? new Date('2026-11-28T10:00:00Z'),
  });
};

describe('logs rotate through helper containers (the script run with the real sh)', () => {
  it('copies and truncates big logs, compresses the copy, leaves small ones, and runs as root of the volume', async () => {
    await writeFile(join(root, 'access.log'), 'x'.repeat(5000));
    await writeFile(join(root, 'error.log'), 'small');
    const report = await rotate();
    expect(report.rotated).toMatchObject([
      { file: 'access.log', to: 'access.log.20261128-100000.zst', bytes: 5000, method: 'copy-truncate' },
    ]);
    expect(report.rotated[0]?.storedBytes).toBeLessThan(5000);
    expect((await stat(join(root, 'access.log'))).size).toBe(0);
    expect(await readFile(join(root, 'error.log'), 'utf8')).toBe('small');
    expect((await readdir(root)).sort()).toEqual([
      'access.log',
      'access.log.20261128-100000.zst',
      'error.log',
    ]);
    expect(helpers[0]).toMatchObject({
      user: '0:0',
      entrypoint: 'sh',
      mounts: [{ source: 'mac_logs', target: '/v' }],
    });
    // At once again: nothing to do, and the helper that acts is not even started.
    const again = await rotate();
    expect(again.rotated).toEqual([]);
    expect(helpers).toHaveLength(3);
  });

  it('never follows a link nor empties a hard-linked file, and treats a hostile name as data', async () => {
    await writeFile(join(outside, 'precious.log'), 'p'.repeat(100));
    await symlink(join(outside, 'precious.log'), join(root, 'evil.log'));
    await writeFile(join(root, 'shared.log'), 's'.repeat(100));
    await link(join(root, 'shared.log'), join(outside, 'hard'));
    await mkdir(join(root, 'sub'));
    await writeFile(join(root, 'sub', HOSTILE), 'h'.repeat(100));
    const report = await rotate({ compress: false });
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        { file: 'evil.log', reason: 'is a symbolic link (links are never followed)' },
        { file: 'shared.log', reason: 'is a file with 2 hard links' },
      ]),
    );
    expect(await readFile(join(outside, 'precious.log'), 'utf8')).toBe('p'.repeat(100));
    expect((await lstat(join(root, 'evil.log'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(root, 'shared.log'), 'utf8')).toBe('s'.repeat(100));
    expect(report.rotated.map((r) => r.file)).toEqual([`sub/${HOSTILE}`]);
    expect(await readFile(join(root, 'sub', `${HOSTILE}.20261128-100000`), 'utf8')).toBe('h'.repeat(100));
    expect(await readdir(root)).not.toContain('pwned');
  });

  // The helper is root of the volume, as this test must be to hand a file to uid 101.
  it.skipIf(process.getuid?.() !== 0)(
    "gives the copy the log's owner and mode, compressed or not, as the local rotation does",
    async () => {
      for (const name of ['worker.log', 'plain.log']) {
        await writeFile(join(root, name), 'w'.repeat(100));
        await chown(join(root, name), 101, 102);
        await chmod(join(root, name), 0o600);
      }
      const zst = await rotate({ compress: true });
      const copy = zst.rotated.find((r) => r.file === 'worker.log');
      const st = await stat(join(root, copy?.to ?? 'missing'));
      expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([101, 102, 0o600]);
      expect(copy?.heldBy).toBe("the machine's processes cannot be seen from here");
      await writeFile(join(root, 'plain.log'), 'p'.repeat(100));
      const plain = await rotate({ compress: false, now: new Date('2026-11-28T11:00:00Z') });
      const kept = await stat(join(root, plain.rotated[0]?.to ?? 'missing'));
      expect([kept.uid, kept.gid, kept.mode & 0o7777]).toEqual([101, 102, 0o600]);
    },
  );

  it('reports a log name that is a FIFO whatever its size, in the local words', async () => {
    await new Promise((resolve) => execFile('mkfifo', [join(root, 'pipe.log')], resolve));
    const report = await rotate();
    expect(report.skipped).toEqual([{ file: 'pipe.log', reason: 'is a FIFO' }]);
  });

  it('keeps --keep copies per log, newest first, and finishes what an interrupted rotation left', async () => {
    for (const stamp of ['20261101-000000', '20261102-000000', '20261103-000000.zst'])
      await writeFile(join(root, `access.log.${stamp}`), 'old');
    await writeFile(join(root, `error.log.20261127-090000${COPIED_SUFFIX}`), 'copied before a crash');
    await writeFile(join(root, `error.log.20261127-090001${PARTIAL_SUFFIX}`), 'half');
    await writeFile(join(root, 'access.log'), 'x'.repeat(50));
    const report = await rotate({ keep: 2, compress: false });
    expect(report.recovered).toEqual(['error.log.20261127-090000']);
    expect(report.removed.sort()).toEqual(['access.log.20261101-000000', 'access.log.20261102-000000']);
    expect((await readdir(root)).sort()).toEqual([
      'access.log',
      'access.log.20261103-000000.zst',
      'access.log.20261128-100000',
      'error.log.20261127-090000',
    ]);
  });
});
