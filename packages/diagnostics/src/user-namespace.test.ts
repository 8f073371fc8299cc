import { readFileSync } from 'node:fs';
import { infoSchema, parseOutput, toPodmanInfo } from '@phoenix-hydra/podman-adapter';
import { createFakePodman } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { readUserNamespace } from './user-namespace.ts';

// Recorded from a rootless `podman system service` with CONTAINER_HOST set (podman-adapter's capture-remote-fixtures.sh).
const remoteInfo = toPodmanInfo(
  parseOutput(
    ['podman', 'info'],
    readFileSync(new URL('../../podman-adapter/test/fixtures/info-remote.json', import.meta.url), 'utf8'),
    infoSchema,
  ),
);
const noFile = '/nonexistent/phoenix-subid';

describe('readUserNamespace', () => {
  it("through a remote podman takes the machine's maps from podman info, not the client's missing /etc/subuid", async () => {
    const podman = createFakePodman({
      overrides: {
        remote: async () => ({ remote: true, reason: 'CONTAINER_HOST=unix:///x.sock' }),
        info: async () => remoteInfo,
      },
    });
    const ns = await readUserNamespace({ podman, subuidFile: noFile, subgidFile: noFile });
    expect(ns).toMatchObject({ rootless: true, selinuxEnabled: false });
    expect(ns.uidMappings).toEqual([
      { containerId: 0, hostId: 1001, size: 1 },
      { containerId: 1, hostId: 100000, size: 65536 },
    ]);
    expect(podman.calls.map((c) => c.method)).toEqual(['remote', 'info']);
  });

  it.skipIf(process.getuid?.() === 0)(
    'with a local podman still reads the files (SUBID_MISSING)',
    async () => {
      const podman = createFakePodman();
      await expect(
        readUserNamespace({ podman, subuidFile: noFile, subgidFile: noFile }),
      ).rejects.toMatchObject({
        code: 'SUBID_MISSING',
      });
      expect(podman.calls.map((c) => c.method)).toEqual(['remote']);
    },
  );
});
