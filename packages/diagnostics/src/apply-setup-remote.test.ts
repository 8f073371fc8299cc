import { defaultStack, PhoenixError } from '@phoenix-hydra/core';
import type { VolumeFiles } from '@phoenix-hydra/podman-adapter';
import { createFakePodman } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { applySetup } from './apply-setup.ts';

const stack = defaultStack({ project: 'mac', baseDir: '/Users/ana/phoenix' });
const db = stack.volumes.find((v) => v.name === 'db_data');

/** A helper that fails as podman machine's helper does on a folder shared from macOS (virtiofs). */
function failingFiles(stderr: string): VolumeFiles {
  return {
    kind: 'helper',
    batch: async () => {
      throw new PhoenixError('PODMAN_FAILED', 'helper container: chown "." failed: ...', {
        details: { stderr },
      });
    },
  };
}

describe('setup through a podman machine, where the data sits on a shared folder', () => {
  it('names chown refused on the share and the fix (a named volume on the machine disk), not the raw chown', async () => {
    if (!db) throw new Error('the default stack has db_data');
    const action = {
      type: 'chown' as const,
      volume: 'db_data',
      path: db.hostPath,
      owner: { uid: 999, gid: 999 },
      recursive: false,
      describe: 'give it to 999:999',
    };
    const files = failingFiles("chown: changing ownership of '/v/.': Operation not permitted\n");
    const failed = applySetup(createFakePodman(), [action], { baseDir: stack.baseDir, stack, files });
    await expect(failed).rejects.toMatchObject({
      code: 'PODMAN_FAILED',
      message: expect.stringContaining(
        `${db.hostPath} is on a folder shared from this computer (virtiofs/9p)`,
      ),
      hint: expect.stringContaining("keep the data in a named volume on the machine's own disk"),
      details: { diagnosis: 'CHOWN_ON_SHARE' },
    });
  });

  it('leaves other failures as they were', async () => {
    if (!db) throw new Error('the default stack has db_data');
    const action = {
      type: 'chmod' as const,
      volume: 'db_data',
      path: db.hostPath,
      mode: 0o700,
      describe: 'chmod',
    };
    const failed = applySetup(createFakePodman(), [action], {
      baseDir: stack.baseDir,
      stack,
      files: failingFiles('Error: no space left on device\n'),
    });
    await expect(failed).rejects.toMatchObject({ message: 'helper container: chown "." failed: ...' });
  });
});
