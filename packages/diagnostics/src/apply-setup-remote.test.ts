import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, win32 } from 'node:path';
import { defaultStack, PhoenixError, type Stack } from '@phoenix-hydra/core';
import { type VolumeFiles, type VolumeInfo, volumeFilesFor } from '@phoenix-hydra/podman-adapter';
import { createFakePodman, fakeVolume } from '@phoenix-hydra/podman-adapter/testing';
import { describe, expect, it } from 'vitest';
import { applySetup } from './apply-setup.ts';
import { observeStack } from './observe.ts';
import { planSetup } from './plan-setup.ts';

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

/**
 * A podman machine's client as this computer runs it: the fake podman (remote) whose helpers go to a stand-in
 * `podman` that records every argv and answers the helper script's protocol (stat: missing; the rest: ok).
 */
async function machineClient(volumes: readonly VolumeInfo[] = []) {
  const dir = await mkdtemp(join(tmpdir(), 'phx-setup-machine-'));
  const calls = join(dir, 'calls');
  const bin = join(dir, 'podman');
  await writeFile(
    bin,
    `#!/bin/sh
{ printf '%s\\037' "$@"; printf '\\036'; } >> '${calls}'
[ "$1" = run ] || exit 0
cat > /dev/null
while [ "$1" != /v ]; do shift; done
shift
i=0
while [ "$#" -gt 0 ]; do
  case $1 in
  stat) printf '%s missing\\n' "$i"; shift 2 ;;
  remove) printf '%s ok\\n' "$i"; shift 2 ;;
  write) printf '%s ok\\n' "$i"; shift 6 ;;
  *) printf '%s ok\\n' "$i"; shift 3 ;;
  esac
  i=$((i + 1))
done
echo done
`,
  );
  await chmod(bin, 0o755);
  const podman = createFakePodman({
    volumes,
    overrides: {
      remote: async () => ({ remote: true, reason: 'podman machine' }),
      config: { bin, timeoutMs: 10_000, streamTimeoutMs: 10_000, env: {} },
    },
  });
  /** The helper runs so far: what each mounts at /v and the script's arguments after the root. */
  const runs = async () => {
    const text = await readFile(calls, 'utf8').catch(() => '');
    return text
      .split('\x1e')
      .filter((c) => c !== '')
      .map((c) => c.split('\x1f').slice(0, -1))
      .filter((argv) => argv[0] === 'run')
      .map((argv) => ({
        argv,
        volume: argv[argv.indexOf('--volume') + 1],
        ops: argv.slice(argv.indexOf('/v') + 1),
      }));
  };
  return {
    podman,
    runs,
    files: await volumeFilesFor(podman),
    done: () => rm(dir, { recursive: true, force: true }),
  };
}

const namespace = { rootless: true, uidMappings: [], gidMappings: [], selinuxEnabled: false };
const places = {
  win32: { baseDir: 'C:\\Users\\me\\phoenix', join: win32.join, machine: '/mnt/c/Users/me/phoenix' },
  darwin: { baseDir: '/Users/me/phoenix', join: posix.join, machine: '/Users/me/phoenix' },
  linux: { baseDir: '/home/me/phoenix', join: posix.join, machine: '/home/me/phoenix' },
} as const;

/** The design's stack under a base directory as a client on `platform` names it. */
function stackOn(platform: keyof typeof places, baseDir: string = places[platform].baseDir): Stack {
  const stack = defaultStack({ project: 'phx', baseDir });
  return {
    ...stack,
    volumes: stack.volumes.map((v) => ({ ...v, hostPath: places[platform].join(baseDir, v.name) })),
  };
}

async function setupThrough(
  client: Awaited<ReturnType<typeof machineClient>>,
  stack: Stack,
  platform: NodeJS.Platform,
) {
  const observation = await observeStack(stack, client.podman, namespace, client.files, platform);
  const actions = planSetup(observation, { via: 'a helper container', platform });
  await applySetup(client.podman, actions, { baseDir: stack.baseDir, files: client.files, stack, platform });
}

describe('setup through a podman machine from Windows, macOS and Linux: paths as the machine names them', () => {
  for (const platform of ['win32', 'darwin', 'linux'] as const) {
    it(`${platform}: makes the directories, binds the volumes and reads the data at ${places[platform].machine}`, async () => {
      const client = await machineClient();
      const m = places[platform].machine;
      try {
        await setupThrough(client, stackOn(platform), platform);
        const runs = await client.runs();
        // Reading first (one helper per volume and one for the base directory, side by side), on the machine's paths.
        expect(
          runs
            .slice(0, 4)
            .map((r) => r.volume)
            .sort(),
        ).toEqual([`${m}/db_data:/v`, `${m}/logs:/v`, `${m}/nginx_config:/v`, `${m}:/v`].sort());
        // Then the directories in one helper mounting their parent on the machine, and each volume's files
        // through its new named volume.
        const mkdir = runs[4];
        const shown = mkdir?.argv.map((a, i, all) =>
          a.startsWith('phoenix-helper-') ? 'NAME' : all[i - 1] === '-c' ? 'SCRIPT' : a,
        );
        expect(shown?.slice(0, shown.indexOf('/v') + 1)).toEqual([
          'run',
          '-i',
          '--name',
          'NAME',
          '--pull',
          'never',
          '--network',
          'none',
          '--user',
          '0:0',
          '--entrypoint',
          'sh',
          '--label',
          'io.phoenix-hydra.helper=1',
          '--label',
          `io.phoenix-hydra.client-pid=${process.pid}`,
          '--volume',
          `${posix.dirname(m)}:/v`,
          'postgres:15',
          '-c',
          'SCRIPT',
          'sh',
          '/v',
        ]);
        expect(mkdir?.ops).toEqual([
          'mkdir',
          './phoenix',
          '0755',
          'mkdir',
          './phoenix/db_data',
          '0700',
          'mkdir',
          './phoenix/nginx_config',
          '0755',
          'mkdir',
          './phoenix/logs',
          '0755',
        ]);
        expect(runs.slice(5).map((r) => [r.volume, r.ops])).toEqual([
          ['phx_db_data:/v', ['chmod', '.', '0700', 'chown', '.', '999:999']],
          [
            'phx_nginx_config:/v',
            [
              'write',
              './default.conf',
              '0644',
              '0:0',
              expect.any(String),
              '1',
              'chmod',
              '.',
              '0755',
              'chown',
              '.',
              '101:101',
            ],
          ],
          ['phx_logs:/v', ['chmod', '.', '0755', 'chown', '.', '0:0']],
        ]);
        expect(client.podman.calls.filter((c) => c.method === 'volumeCreate').map((c) => c.args)).toEqual(
          ['db_data', 'nginx_config', 'logs'].map((name) => [
            `phx_${name}`,
            { device: `${m}/${name}`, labels: expect.any(Object) },
          ]),
        );
      } finally {
        await client.done();
      }
    });
  }

  it('from Windows, refuses a base directory the machine cannot reach (a UNC share) before changing anything', async () => {
    const client = await machineClient();
    const share = '\\\\server\\share\\phoenix';
    try {
      await expect(setupThrough(client, stackOn('win32', share), 'win32')).rejects.toMatchObject({
        code: 'USAGE',
        message: `${share} is not a path the podman machine can reach (not an absolute path on a local drive)`,
        hint: expect.stringContaining('--base-dir C:\\Users\\<you>\\phoenix-hydra'),
      });
      expect((await client.runs()).filter((r) => !r.ops.includes('stat'))).toEqual([]);
      expect(client.podman.calls.map((c) => c.method)).not.toContain('volumeCreate');
    } finally {
      await client.done();
    }
  });

  it('from Windows, a second setup reads the volumes bound to /mnt/c/… through them: no drift, none created again', async () => {
    const m = places.win32.machine;
    const client = await machineClient(
      ['db_data', 'nginx_config', 'logs'].map((name) => fakeVolume(`phx_${name}`, `${m}/${name}`)),
    );
    try {
      const stack = stackOn('win32');
      const observation = await observeStack(stack, client.podman, namespace, client.files, 'win32');
      expect((await client.runs()).map((r) => r.volume).sort()).toEqual(
        [`${m}:/v`, 'phx_db_data:/v', 'phx_logs:/v', 'phx_nginx_config:/v'].sort(),
      );
      const actions = planSetup(observation, { via: 'a helper container', platform: 'win32' });
      expect(actions.map((a) => a.type)).not.toContain('volume-create');
    } finally {
      await client.done();
    }
  });
});
