import { chmod, mkdir, mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '@phoenix-hydra/e2e/cli-harness';
import { describe, expect, it } from 'vitest';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe("the CLI's compile cache", () => {
  it('keeps compiled modules under $XDG_CACHE_HOME/phoenix-hydra, in directories only the user can open', async () => {
    const cacheHome = await mkdtemp(join(tmpdir(), 'phx-cache-'));
    const result = await cli(['--version'], { env: { XDG_CACHE_HOME: cacheHome } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('0.1.0');
    const dir = join(cacheHome, 'phoenix-hydra', 'node-compile-cache');
    expect(await modeOf(join(cacheHome, 'phoenix-hydra'))).toBe(0o700);
    expect(await modeOf(dir)).toBe(0o700);
    expect((await readdir(dir)).length).toBeGreaterThan(0);
  });

  it('leaves a cache directory others can write alone and still runs', async () => {
    const cacheHome = await mkdtemp(join(tmpdir(), 'phx-cache-'));
    const dir = join(cacheHome, 'phoenix-hydra', 'node-compile-cache');
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777);
    const result = await cli(['--version'], { env: { XDG_CACHE_HOME: cacheHome } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('0.1.0');
    expect(await readdir(dir)).toEqual([]);
  });

  it('never creates a missing home directory', async () => {
    const home = join(await mkdtemp(join(tmpdir(), 'phx-cache-')), 'no-such-home');
    const result = await cli(['--version'], { env: { HOME: home, XDG_CACHE_HOME: '' } });
    expect(result.exitCode).toBe(0);
    expect(await readdir(join(home, '..'))).toEqual([]);
  });
});
