import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readFixture } from '../test/read-fixture.ts';
import { DEFAULT_STREAM_TIMEOUT_MS } from './podman.ts';
import { parseOutput } from './runner.ts';
import { createVolumes, toVolumeInfo, volumeSchema } from './volumes.ts';

const parse = (name: string) =>
  parseOutput(['podman', 'volume'], readFixture(name), z.array(volumeSchema)).map(toVolumeInfo);

describe('volume inspect / ls (recorded)', () => {
  it('exposes where a bind-backed volume really lives', () => {
    expect(parse('volume-inspect-bind.json')).toEqual([
      {
        name: 'pa-fixture_db_data',
        driver: 'local',
        mountpoint: '/home/phoenix-e2e/.local/share/containers/storage/volumes/pa-fixture_db_data/_data',
        options: { device: '/home/phoenix-e2e/pa-fixture/db_data', o: 'bind', type: 'none' },
        labels: { 'com.docker.compose.project': 'pa-fixture', 'io.podman.compose.project': 'pa-fixture' },
        device: '/home/phoenix-e2e/pa-fixture/db_data',
      },
    ]);
  });

  it('gives a plain volume no device and empty options', () => {
    const [plain] = parse('volume-inspect-plain.json');
    expect(plain).toMatchObject({ name: 'pa-fixture_plain', options: {}, device: null });
  });

  it('lists both volumes of the project', () => {
    expect(parse('volume-ls.json').map((v) => [v.name, v.device !== null])).toEqual([
      ['pa-fixture_db_data', true],
      ['pa-fixture_plain', false],
    ]);
  });

  it('parses the empty array podman prints on stdout for a missing volume', () => {
    expect(parse('volume-inspect-missing.stdout.txt')).toEqual([]);
    expect(readFixture('volume-inspect-missing.stderr.txt')).toMatch(/no such volume/);
  });
});

// A stand-in podman replaying one recorded call (stdout, stderr, exit code) and logging its arguments.
async function replay(stdout: string, stderr: string, exitCode: number) {
  const dir = await mkdtemp(join(tmpdir(), 'pa-volumes-'));
  await writeFile(join(dir, 'out'), stdout);
  await writeFile(join(dir, 'err'), stderr);
  const bin = join(dir, 'podman');
  const script = `#!/bin/sh\necho "$*" >>'${dir}/calls'\ncat '${dir}/out'\ncat '${dir}/err' >&2\nexit ${exitCode}\n`;
  await writeFile(bin, script);
  await chmod(bin, 0o755);
  const volumes = createVolumes({
    bin,
    timeoutMs: 10_000,
    streamTimeoutMs: DEFAULT_STREAM_TIMEOUT_MS,
    env: {},
  });
  const calls = async () => (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n');
  return { volumes, calls };
}

describe('volume inspect of many names in one call (recorded podman 4.3.1: exit 125, a line per missing one)', () => {
  const names = ['pa-fixture_db_data', 'pa-fixture_absent', 'pa-fixture_gone'];

  it('returns each volume in order, null for the missing ones, from one podman call', async () => {
    const { volumes, calls } = await replay(
      readFixture('volume-inspect-many-partial.json'),
      readFixture('volume-inspect-many-partial.stderr.txt'),
      125,
    );
    const found = await volumes.volumesInspect(names);
    expect(found.map((v) => v?.device ?? (v === null ? 'missing' : 'plain'))).toEqual([
      '/tmp',
      'missing',
      'missing',
    ]);
    expect(await calls()).toEqual([`volume inspect --format json -- ${names.join(' ')}`]);
  });

  it('reads the quoted names a remote podman prints (recorded through CONTAINER_HOST)', async () => {
    const remote = ['db_data', 'nginx_config', 'logs'].map((n) => `phx-remote-1246_${n}`);
    const stderr = readFixture('volume-inspect-many-missing-remote.stderr.txt');
    const { volumes } = await replay('[]', stderr, 125);
    expect(await volumes.volumesInspect(remote)).toEqual([null, null, null]);
  });

  it("reads a remote client's answer too, which quotes the missing names (podman machine, CONTAINER_HOST)", async () => {
    const { volumes } = await replay(
      readFixture('volume-inspect-many-partial.json'),
      readFixture('volume-inspect-many-partial-remote.stderr.txt'),
      125,
    );
    const found = await volumes.volumesInspect(names);
    expect(found.map((v) => (v === null ? 'missing' : v.name))).toEqual([names[0], 'missing', 'missing']);
  });

  it('fails as podman failed on any other error, and asks nothing for no names', async () => {
    const { volumes } = await replay('[]', 'Error: database is locked\n', 125);
    await expect(volumes.volumesInspect(names)).rejects.toMatchObject({ code: 'PODMAN_FAILED' });
    expect(await volumes.volumesInspect([])).toEqual([]);
  });
});
