import { chmod, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/doctor-fakes.ts';
import { parseTopWorkers, urlFromPortOutput } from './health.ts';
import { stageConfig } from './stage-config.ts';
import { swapContents } from './swap-contents.ts';

async function layout() {
  const base = await mkdtemp(join(tmpdir(), 'phx-nginx-'));
  const live = join(base, 'nginx_config');
  await mkdir(live);
  await writeFile(join(live, 'default.conf'), 'server { listen 80; }\n');
  await writeFile(join(live, 'extra.conf'), '# extra\n');
  return { base, live };
}

describe('stageConfig', () => {
  it('stages a single file over a copy of the live files, readable by any user', async () => {
    const { base, live } = await layout();
    const source = join(base, 'default.conf');
    await writeFile(source, 'server { listen 80; return 204; }\n', { mode: 0o600 });
    const staging = join(base, 'nginx_config.staging-1');
    expect(await stageConfig({ live, source, staging })).toEqual(['default.conf', 'extra.conf']);
    expect(await readFile(join(staging, 'default.conf'), 'utf8')).toMatch(/return 204/);
    expect((await stat(join(staging, 'default.conf'))).mode & 0o777).toBe(0o644);
    expect(await readFile(join(live, 'default.conf'), 'utf8')).not.toMatch(/return 204/); // live untouched
  });

  it('stages a directory as the whole new configuration', async () => {
    const { base, live } = await layout();
    const source = join(base, 'new');
    await mkdir(source);
    await writeFile(join(source, 'site.conf'), 'server { listen 80; }\n');
    const staging = join(base, 'nginx_config.staging-2');
    expect(await stageConfig({ live, source, staging })).toEqual(['site.conf']);
  });

  it('refuses a source that does not exist with a usage error, leaving nothing behind', async () => {
    const { base, live } = await layout();
    const staging = join(base, 'nginx_config.staging-3');
    await expect(stageConfig({ live, source: join(base, 'nope.conf'), staging })).rejects.toMatchObject({
      code: 'USAGE',
    });
    expect(await readdir(base)).toEqual(['nginx_config']);
  });
});

describe('swapContents', () => {
  it('swaps the content and keeps the directory inode podman bind-mounted', async () => {
    const { base, live } = await layout();
    const inode = (await stat(live)).ino;
    const incoming = join(base, 'staging');
    await mkdir(incoming);
    await writeFile(join(incoming, 'site.conf'), 'new\n');
    const saveTo = join(base, 'previous');
    expect(await swapContents({ live, incoming, saveTo, owner: null })).toEqual({
      movedOut: ['default.conf', 'extra.conf'],
      movedIn: ['site.conf'],
    });
    expect((await stat(live)).ino).toBe(inode);
    expect(await readdir(live)).toEqual(['site.conf']);
    expect((await readdir(saveTo)).sort()).toEqual(['default.conf', 'extra.conf']);
    expect((await readdir(base)).sort()).toEqual(['nginx_config', 'previous']);
  });

  it.skipIf(process.getuid?.() === 0)('undoes every move when one fails', async () => {
    const { base, live } = await layout();
    const incoming = join(base, 'staging');
    await mkdir(join(incoming, 'sub'), { recursive: true });
    await writeFile(join(incoming, 'a.conf'), 'a\n');
    await chmod(join(incoming, 'sub'), 0o500); // a directory cannot be renamed out of... its parent must be writable
    await chmod(incoming, 0o500);
    await expect(
      swapContents({ live, incoming, saveTo: join(base, 'previous'), owner: null }),
    ).rejects.toThrow();
    await chmod(incoming, 0o700);
    expect((await readdir(live)).sort()).toEqual(['default.conf', 'extra.conf']);
  });
});

describe('health helpers', () => {
  it("reads nginx's worker pids from podman top", () => {
    expect(parseTopWorkers(fixture('podman-top-nginx.txt'))).toEqual([7, 8]);
  });

  it('turns podman port output into a URL on the loopback for a wildcard address', () => {
    expect(urlFromPortOutput(fixture('podman-port-nginx.txt'))).toBe('http://127.0.0.1:18099');
    expect(urlFromPortOutput('192.0.2.7:8443\n')).toBe('http://192.0.2.7:8443');
    expect(urlFromPortOutput('')).toBeNull();
  });
});
