import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_IMAGE, requireRootless, tempDir, uniqueName } from '../test/e2e-host.ts';
import type { PodmanEvent } from './events.ts';
import { createPodman } from './podman.ts';

const podman = createPodman();
/** The postgres image declares `VOLUME /var/lib/postgresql/data`: each container of it gets a volume of its own. */
const POSTGRES_IMAGE = 'docker.io/library/postgres:15';
const project = uniqueName('proj');
const container = `${project}_db_1`;
const volume = `${project}_db_data`;
let dataDir = '';

beforeAll(async () => {
  requireRootless();
  dataDir = await tempDir('ctr');
  await podman.volumeCreate(volume, { device: dataDir, labels: { 'io.podman.compose.project': project } });
  await podman.unshare.chown([dataDir], { uid: 999, gid: 999 });
  // Started the way podman-compose 1.0.3 starts a service: compose labels, named volume, service user.
  await execa('podman', [
    'run',
    '--detach',
    '--name',
    container,
    '--network',
    'none',
    '--user',
    '999:999',
    '--label',
    `io.podman.compose.project=${project}`,
    '--label',
    'com.docker.compose.service=db',
    '--volume',
    `${volume}:/var/lib/postgresql/data`,
    PROBE_IMAGE,
    'sleep',
    'infinity',
  ]);
});

afterAll(async () => {
  await execa('podman', ['rm', '--force', '--ignore', '--time', '0', container]);
  await podman.volumeRm(volume, { force: true }).catch(() => undefined);
  if (dataDir) await podman.unshare.rmrf(dataDir);
});

describe('finding and inspecting compose containers', () => {
  it('ps finds the container by project and service labels, not by name', async () => {
    const found = await podman.ps({ project, service: 'db' });
    expect(found).toEqual([
      expect.objectContaining({ name: container, state: 'running', project, service: 'db' }),
    ]);
    expect(await podman.ps({ project, service: 'nginx' })).toEqual([]);
  });

  it('inspectContainer shows user, labels and the named volume mount', async () => {
    const info = await podman.inspectContainer(container);
    expect(info).toMatchObject({ name: container, state: 'running', user: '999:999', image: PROBE_IMAGE });
    expect(info?.labels['com.docker.compose.service']).toBe('db');
    expect(info?.mounts).toContainEqual(
      expect.objectContaining({
        type: 'volume',
        name: volume,
        destination: '/var/lib/postgresql/data',
        rw: true,
      }),
    );
    expect(await podman.inspectContainer(uniqueName('absent'))).toBeNull();
  });
});

describe('exec', () => {
  it('streams 50 MB of stdout with backpressure instead of buffering it', async () => {
    const size = 50_000_000;
    const { stdout, done } = podman.exec(container, ['head', '-c', String(size), '/dev/zero']);
    let settled = false;
    done.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    const iterator = stdout[Symbol.asyncIterator]();
    let received = ((await iterator.next()).value as Buffer).length;
    // Stop reading: if anything buffered the output, podman would finish and memory would hold ~50 MB.
    await sleep(1500);
    expect(settled).toBe(false);
    expect(received + stdout.readableLength).toBeLessThan(2_000_000);
    for (let r = await iterator.next(); !r.done; r = await iterator.next())
      received += (r.value as Buffer).length;
    await done;
    expect(received).toBe(size);
  });

  it('passes secrets through the environment and stdin through a stream', async () => {
    const secret = 'pa-e2e secret';
    const env = await podman.execText(container, ['sh', '-c', 'printf %s "$PGPASSWORD"'], {
      env: { PGPASSWORD: secret },
    });
    expect(env.stdout).toBe(secret);
    const cat = await podman.execText(container, ['cat'], { stdin: Readable.from(['from ', 'stdin']) });
    expect(cat.stdout).toBe('from stdin');
    expect((await podman.execText(container, ['id', '-u'], { user: '0' })).stdout).toBe('0\n');
  });

  it('rejects done with the command’s stderr and exit code when it fails', async () => {
    const { stdout, done } = podman.exec(container, ['sh', '-c', 'echo partial; echo broken >&2; exit 4']);
    stdout.resume();
    stdout.on('error', () => undefined);
    await expect(done).rejects.toMatchObject({
      code: 'PODMAN_FAILED',
      details: { exitCode: 4, stderr: 'broken' },
    });
    expect(await podman.execText(container, ['sh', '-c', 'exit 3'], { reject: false })).toMatchObject({
      exitCode: 3,
    });
    await expect(podman.execText(uniqueName('absent'), ['true'], { reject: false })).rejects.toMatchObject({
      details: { exitCode: 125 },
    });
  });
});

describe('lifecycle and events', () => {
  it('yields the start event of a restarted container, then stops on abort', async () => {
    const abort = new AbortController();
    const since = new Date();
    const seen: PodmanEvent[] = [];
    const listening = (async () => {
      for await (const event of podman.events({
        filters: { container, event: 'start' },
        since,
        signal: abort.signal,
      })) {
        seen.push(event);
        abort.abort();
      }
    })();
    await podman.stop(container, { timeoutSeconds: 0 });
    expect((await podman.inspectContainer(container))?.running).toBe(false);
    await podman.start(container);
    await listening;
    expect(seen).toEqual([expect.objectContaining({ type: 'container', action: 'start', name: container })]);
    expect((await podman.inspectContainer(container))?.running).toBe(true);
  });
});

describe('probe containers', () => {
  it('leave no container and no anonymous volume behind (postgres declares one; 2,000 leaked ones exhaust podman’s locks)', async () => {
    const volumes = async () => (await execa('podman', ['volume', 'ls', '--quiet'])).stdout;
    const before = await volumes();
    const result = await podman.run(POSTGRES_IMAGE, [], { entrypoint: 'true' });
    expect(result.exitCode).toBe(0);
    expect(await volumes()).toBe(before);
    const left = await execa('podman', [
      'ps',
      '--all',
      '--quiet',
      '--filter',
      'label=io.phoenix-hydra.helper=1',
    ]);
    expect(left.stdout).toBe('');
  });
});

describe('removeContainer', () => {
  // A helper a killed command left (cleanup removes those): the postgres image's VOLUME gave it a volume of its own.
  const anonymousVolumeOf = async (name: string) => {
    await execa('podman', [
      'create',
      '--name',
      name,
      '--label',
      'io.phoenix-hydra.helper=1',
      POSTGRES_IMAGE,
      'true',
    ]);
    const mounts = await execa('podman', ['inspect', '--format', '{{range .Mounts}}{{.Name}} {{end}}', name]);
    const [anonymous] = mounts.stdout.trim().split(' ');
    expect(anonymous).toMatch(/^[0-9a-f]{64}$/);
    return anonymous as string;
  };
  const exists = async (volume: string) =>
    (await execa('podman', ['volume', 'exists', volume], { reject: false })).exitCode === 0;

  it('with anonymousVolumes removes the volume podman made for that container alone', async () => {
    const name = uniqueName('left-helper');
    const anonymous = await anonymousVolumeOf(name);
    await podman.removeContainer(name, { anonymousVolumes: true });
    expect(await exists(anonymous)).toBe(false);
  });

  it('without it keeps that volume (a user container adopt recreates)', async () => {
    const name = uniqueName('user-ctr');
    const anonymous = await anonymousVolumeOf(name);
    try {
      await podman.removeContainer(name);
      expect(await exists(anonymous)).toBe(true);
    } finally {
      await execa('podman', ['volume', 'rm', '--force', anonymous], { reject: false });
    }
  });
});
