import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { helperTarOut, TAR_OUT_SCRIPT, tarOutRunArgs } from './helper-tar.ts';
import type { RunnerConfig } from './runner.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phx-helper-tar-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const target = { source: 'proj_logs', path: '/nowhere/logs', image: 'nginx:stable' };

/** A podman that logs its arguments, one call per line; `run` writes some tar-ish bytes, then hangs. */
async function hangingPodman(): Promise<{ config: RunnerConfig; calls: string }> {
  const calls = join(dir, 'calls');
  const bin = join(dir, 'podman');
  await writeFile(
    bin,
    `#!/bin/sh\n[ "$1" = ps ] && exit 0\necho "$1 $2 $3 $4" >> ${calls}\nif [ "$1" = run ]; then head -c 200000 /dev/zero; exec sleep 30; fi\n`,
  );
  await chmod(bin, 0o755);
  return { config: { bin, timeoutMs: 10_000, streamTimeoutMs: 60_000, env: {} }, calls };
}

describe('the tar helper', () => {
  it('streams the volume root with numeric owners from its fixed script, hostile names as data', async () => {
    const root = join(dir, 'v');
    const name = 'a dir with $(touch pwned) `touch pwned2` ; "q"';
    await mkdir(join(root, name), { recursive: true });
    await writeFile(join(root, name, 'f'), 'x');
    const tar = await new Promise<Buffer>((resolve, reject) =>
      execFile('sh', ['-c', TAR_OUT_SCRIPT, 'sh', root], { cwd: dir, encoding: 'buffer' }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    const listed = execFileSync('tar', ['-t', '-f', '-'], { input: tar, encoding: 'utf8' });
    expect(listed.split('\n').filter(Boolean).sort()).toEqual(['./', `./${name}/`, `./${name}/f`].sort());
    await expect(readFile(join(dir, 'pwned'))).rejects.toThrow();
  });

  it('mounts the named volume read-only, runs no network, pulls nothing, and is labelled as a helper', () => {
    const args = tarOutRunArgs(target, 'phoenix-helper-x');
    // Not --rm: podman 4.3 can deadlock a `run --rm` with its own container cleanup (podman#29646).
    expect(args.slice(0, 3)).toEqual(['run', '--name', 'phoenix-helper-x']);
    expect(args).not.toContain('--rm');
    expect(args).toEqual(
      expect.arrayContaining(['--pull', 'never', '--network', 'none', '--user', '0:0', 'proj_logs:/v:ro']),
    );
    expect(args.at(-1)).toBe('/v');
    expect(() => tarOutRunArgs({ ...target, source: 'a:/etc' }, 'n')).toThrow(/must not contain ":"/);
  });

  it('removes its container when the reader stops early (a hostile entry, Ctrl-C): none is left behind', async () => {
    const { config, calls } = await hangingPodman();
    const started = performance.now();
    for await (const chunk of helperTarOut(config, target)) {
      expect(chunk.length).toBeGreaterThan(0);
      break; // what archiveFromTar does when it refuses an entry
    }
    const lines = (await readFile(calls, 'utf8')).trim().split('\n');
    expect(lines[0]).toMatch(/^run --name phoenix-helper-[0-9a-f]{12} --pull$/);
    const name = lines[0]?.split(' ')[2];
    expect(lines[1]).toBe(`rm --force --ignore --volumes`);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(name).toMatch(/^phoenix-helper-/);
  });

  it('removes its container by name after a whole stream too, since it runs without --rm', async () => {
    const calls = join(dir, 'calls');
    const bin = join(dir, 'podman');
    await writeFile(
      bin,
      `#!/bin/sh\n[ "$1" = ps ] && exit 0\necho "$1 $2 $3" >> ${calls}\nif [ "$1" = run ]; then printf tar; fi\n`,
    );
    await chmod(bin, 0o755);
    const config = { bin, timeoutMs: 10_000, streamTimeoutMs: 60_000, env: {} };
    const chunks: Buffer[] = [];
    for await (const chunk of helperTarOut(config, target)) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('tar');
    const lines = (await readFile(calls, 'utf8')).trim().split('\n');
    expect(lines).toEqual([lines[0], 'rm --force --ignore']);
    expect(lines[0]).toMatch(/^run --name phoenix-helper-[0-9a-f]{12}$/);
  });

  it('removes its container when the signal aborts', async () => {
    const { config, calls } = await hangingPodman();
    const abort = new AbortController();
    const read = (async () => {
      for await (const _ of helperTarOut(config, target, abort.signal)) abort.abort();
    })();
    await expect(read).rejects.toThrow();
    expect((await readFile(calls, 'utf8')).trim().split('\n')[1]).toBe('rm --force --ignore --volumes');
  });
});
