import { execFileSync } from 'node:child_process';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/temp-dir.ts';
import { stageConfig } from './stage-config.ts';
import { recoverSwap, swapContents, swapJournalPath } from './swap-contents.ts';

async function layout() {
  const base = await tempDir('phx-nginx-');
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

describe('stageConfig and links', () => {
  /** A file of the user's outside any volume, as ~/.ssh/authorized_keys is. */
  async function outsideFile(base: string): Promise<string> {
    const file = join(base, 'authorized_keys');
    await writeFile(file, 'ssh-ed25519 AAAA user@host\n', { mode: 0o600 });
    return file;
  }

  it('refuses a deployed directory with a link that leaves it, naming the link; nothing is staged', async () => {
    const { base, live } = await layout();
    const source = join(base, 'new');
    await mkdir(source);
    await writeFile(join(source, 'site.conf'), 'server { listen 80; }\n');
    await symlink(await outsideFile(base), join(source, 'keys'));
    const staging = join(base, 'nginx_config.staging-4');
    await expect(stageConfig({ live, source, staging })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/keys -> .*authorized_keys.* leaves the configuration directory/),
    });
    expect(await readdir(base)).not.toContain('nginx_config.staging-4');
  });

  it('refuses a link a container left in the live configuration when one file is deployed', async () => {
    const { base, live } = await layout();
    await symlink(await outsideFile(base), join(live, 'keys'));
    const source = join(base, 'default.conf');
    await writeFile(source, 'server { listen 80; return 204; }\n');
    await expect(
      stageConfig({ live, source, staging: join(base, 'nginx_config.staging-5') }),
    ).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/live configuration .*keys ->/),
    });
  });

  it('refuses a chain of relative links that climbs out (a -> ., b -> a/..)', async () => {
    const { base, live } = await layout();
    await symlink('.', join(live, 'a'));
    await symlink('a/..', join(live, 'b'));
    const source = join(base, 'default.conf');
    await writeFile(source, 'server { listen 80; }\n');
    await expect(
      stageConfig({ live, source, staging: join(base, 'nginx_config.staging-6') }),
    ).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/b -> a\/\.\. /) });
  });

  it('keeps a link that stays inside the configuration, as a link', async () => {
    const { base } = await layout();
    const source = join(base, 'new');
    await mkdir(join(source, 'available'), { recursive: true });
    await writeFile(join(source, 'available/site.conf'), 'server { listen 80; }\n');
    await symlink('available/site.conf', join(source, 'site.conf'));
    const staging = join(base, 'nginx_config.staging-7');
    expect(await stageConfig({ live: join(base, 'nginx_config'), source, staging })).toEqual([
      'available',
      'site.conf',
    ]);
    expect(await readlink(join(staging, 'site.conf'))).toBe('available/site.conf');
    expect((await stat(join(staging, 'available'))).mode & 0o777).toBe(0o755);
  });

  it('refuses a huge (sparse) file in the live configuration instead of copying it fully allocated', async () => {
    const { base, live } = await layout();
    execFileSync('truncate', ['-s', '100G', join(live, 'big.bin')]);
    const source = join(base, 'default.conf');
    await writeFile(source, 'server { listen 80; }\n');
    await expect(
      stageConfig({ live, source, staging: join(base, 'nginx_config.staging-9') }),
    ).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/big\.bin of 107374182400 bytes/),
    });
    expect(await readdir(base)).not.toContain('nginx_config.staging-9');
  });

  it('refuses a FIFO named like a configuration file without waiting for a writer', async () => {
    const { base, live } = await layout();
    execFileSync('mkfifo', [join(live, 'pipe.conf')]);
    const source = join(base, 'default.conf');
    await writeFile(source, 'server { listen 80; }\n');
    await expect(
      stageConfig({ live, source, staging: join(base, 'nginx_config.staging-8') }),
    ).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/pipe\.conf which is a FIFO/) });
  });
});

describe('swapContents', () => {
  it.skipIf(process.getuid?.() !== 0)(
    'gives the incoming entries their owner without following links: a file outside keeps its owner',
    async () => {
      const { base, live } = await layout();
      const outside = join(base, 'authorized_keys');
      await writeFile(outside, 'ssh-ed25519 AAAA user@host\n', { mode: 0o600 });
      await chown(outside, 4242, 4242);
      const incoming = join(base, 'staging');
      await mkdir(incoming);
      await writeFile(join(incoming, 'site.conf'), 'new\n');
      await symlink(outside, join(incoming, 'keys'));
      await swapContents({ live, incoming, saveTo: join(base, 'previous'), owner: { uid: 101, gid: 101 } });
      expect(await stat(outside)).toMatchObject({ uid: 4242, gid: 4242, mode: expect.any(Number) });
      expect(await readFile(outside, 'utf8')).toBe('ssh-ed25519 AAAA user@host\n');
      expect(await stat(join(live, 'site.conf'))).toMatchObject({ uid: 101, gid: 101 });
      expect(await lstat(join(live, 'keys'))).toMatchObject({ uid: 101, gid: 101 });
    },
  );

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

describe('recoverSwap after a swap killed midway', () => {
  /** live holds a.conf, b.conf (old); staging holds a.conf, c.conf (new); the journal says so. */
  async function killedSwap(movedOut: string[], movedIn: string[]) {
    const { base } = await layout();
    const live = join(base, 'conf');
    const incoming = join(base, 'conf.staging-1');
    const saveTo = join(base, 'conf.previous-1');
    for (const dir of [live, incoming, saveTo]) await mkdir(dir);
    for (const name of ['a.conf', 'b.conf']) await writeFile(join(live, name), `old ${name}\n`);
    for (const name of ['a.conf', 'c.conf']) await writeFile(join(incoming, name), `new ${name}\n`);
    await writeFile(
      swapJournalPath(live),
      JSON.stringify({ incoming, saveTo, incomingNames: ['a.conf', 'c.conf'] }),
    );
    for (const name of movedOut) await rename(join(live, name), join(saveTo, name));
    for (const name of movedIn) await rename(join(incoming, name), join(live, name));
    const contents = async () =>
      Object.fromEntries(
        await Promise.all(
          (await readdir(live)).sort().map(async (n) => [n, await readFile(join(live, n), 'utf8')]),
        ),
      );
    return { base, live, contents };
  }

  it('puts the old configuration back when nothing new had moved in', async () => {
    const { base, live, contents } = await killedSwap(['a.conf'], []);
    expect(await recoverSwap({ live })).toEqual([expect.stringMatching(/undid .*1 entries moved back/)]);
    expect(await contents()).toEqual({ 'a.conf': 'old a.conf\n', 'b.conf': 'old b.conf\n' });
    expect((await readdir(base)).sort()).toEqual(['conf', 'conf.staging-1', 'nginx_config']);
  });

  it('finishes moving the new configuration in once part of it had', async () => {
    const { base, live, contents } = await killedSwap(['a.conf', 'b.conf'], ['a.conf']);
    expect(await recoverSwap({ live })).toEqual([expect.stringMatching(/finished .*not reloaded/)]);
    expect(await contents()).toEqual({ 'a.conf': 'new a.conf\n', 'c.conf': 'new c.conf\n' });
    expect((await readdir(base)).sort()).toEqual(['conf', 'conf.previous-1', 'nginx_config']);
    expect(await recoverSwap({ live })).toEqual([]); // done: no journal left
  });
});
