import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from './run.ts';
import type { RunnerConfig } from './runner.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pa-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A podman that logs each call's arguments on a line; `run` prints "out" and exits with EXIT (or sleeps). */
async function loggingPodman(
  exit: string,
): Promise<{ config: RunnerConfig; calls: () => Promise<string[]> }> {
  const log = join(dir, 'calls');
  const bin = join(dir, 'podman');
  const body = exit === 'hang' ? 'exec sleep 30' : `echo out; exit ${exit}`;
  await writeFile(bin, `#!/bin/sh\necho "$*" >> ${log}\nif [ "$1" = run ]; then ${body}; fi\n`);
  await chmod(bin, 0o755);
  return {
    config: { bin, timeoutMs: 10_000, streamTimeoutMs: 60_000, env: {} },
    // The once-per-process sweep of old helpers comes first; these tests are about the run itself.
    calls: async () =>
      (await readFile(log, 'utf8'))
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith('container prune')),
  };
}

describe('a probe container', () => {
  it('runs without --rm, labelled, and is removed by name once it exited (podman#29646)', async () => {
    const { config, calls } = await loggingPodman('3');
    const result = await run(config, 'postgres:15', ['true'], { labels: { x: 'y' } });
    expect(result).toMatchObject({ exitCode: 3, stdout: 'out\n' });
    const [started, removed, ...rest] = await calls();
    expect(rest).toEqual([]);
    expect(started?.split(' ')).not.toContain('--rm');
    expect(started).toMatch(/--label io\.phoenix-hydra\.helper=1 --label x=y postgres:15 true$/);
    const name = /--name (phoenix-probe-[0-9a-f]{12})/.exec(started ?? '')?.[1];
    expect(removed).toBe(`rm --force --ignore --time 0 ${name}`);
  });

  it('is removed when its client times out, and the timeout is the error', async () => {
    const { config, calls } = await loggingPodman('hang');
    await expect(run(config, 'postgres:15', ['sleep'], { timeoutMs: 300 })).rejects.toThrow();
    const lines = await calls();
    expect(lines[1]).toMatch(/^rm --force --ignore --time 0 phoenix-probe-[0-9a-f]{12}$/);
  });

  it('first removes helpers left stopped over 5 min ago (a SIGKILLed client cannot), once per process', async () => {
    const { config } = await loggingPodman('0');
    await run(config, 'postgres:15', ['true']);
    await run(config, 'postgres:15', ['true']);
    const lines = (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n');
    expect(lines.filter((line) => line.startsWith('container prune'))).toEqual([
      'container prune --force --filter label=io.phoenix-hydra.helper=1 --filter until=5m',
    ]);
    expect(lines[0]).toMatch(/^container prune/);
  });
});
