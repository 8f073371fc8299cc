import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStartedHelpers } from './helper-files.ts';
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
        .filter((line) => !line.startsWith('ps ')),
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
    expect(started).toMatch(
      new RegExp(
        `--label io\\.phoenix-hydra\\.helper=1 --label io\\.phoenix-hydra\\.client-pid=${process.pid} --label x=y postgres:15 true$`,
      ),
    );
    const name = /--name (phoenix-probe-[0-9a-f]{12})/.exec(started ?? '')?.[1];
    // --volumes: the anonymous volume an image declares (postgres: its data directory) goes with it.
    expect(removed).toBe(`rm --force --ignore --volumes --time 0 ${name}`);
  });

  it('is removed when its client times out, and the timeout is the error', async () => {
    const { config, calls } = await loggingPodman('hang');
    await expect(run(config, 'postgres:15', ['sleep'], { timeoutMs: 300 })).rejects.toThrow();
    const lines = await calls();
    expect(lines[1]).toMatch(/^rm --force --ignore --volumes --time 0 phoenix-probe-[0-9a-f]{12}$/);
  });

  it('first removes helpers left stopped over 5 min ago (a SIGKILLed client cannot), with their volumes, once per process', async () => {
    const log = join(dir, 'calls');
    const bin = join(dir, 'podman');
    // `ps` lists two left helpers; `run` prints nothing.
    await writeFile(
      bin,
      `#!/bin/sh\necho "$*" >> ${log}\nif [ "$1" = ps ]; then printf 'aaaaaaaaaaaa\\nbbbbbbbbbbbb\\n'; fi\n`,
    );
    await chmod(bin, 0o755);
    const config = { bin, timeoutMs: 10_000, streamTimeoutMs: 60_000, env: {} };
    await run(config, 'postgres:15', ['true']);
    await run(config, 'postgres:15', ['true']);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines.filter((line) => line.startsWith('ps '))).toEqual([
      'ps --all --quiet --filter label=io.phoenix-hydra.helper=1 --filter status=exited --filter status=created --filter until=5m',
    ]);
    expect(lines[1]).toBe('rm --force --ignore --volumes --time 0 aaaaaaaaaaaa bbbbbbbbbbbb');
    expect(lines[2]).toMatch(/^run /);
  });
});

describe('removeStartedHelpers (a command stopped by a signal)', () => {
  it('removes the probes still running, by name, with their volumes, once; finished ones are not named', async () => {
    const finished = await loggingPodman('0');
    await run(finished.config, 'postgres:15', ['true']);
    const { config, calls } = await loggingPodman('hang'); // the same script, now hanging in `run`
    const running = run(config, 'postgres:15', ['sleep'], { timeoutMs: 5_000 }).catch(() => undefined);
    let started: string | undefined;
    for (let i = 0; i < 100 && started === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const runs = (await calls().catch(() => [])).filter((line) => line.startsWith('run '));
      started = runs.length === 2 ? runs[1] : undefined;
    }
    const name = /--name (phoenix-probe-[0-9a-f]{12})/.exec(started ?? '')?.[1];
    expect(name).toBeDefined();
    expect(await removeStartedHelpers()).toEqual([name]);
    expect(await calls()).toContain(`rm --force --ignore --volumes --time 0 ${name}`);
    expect(await removeStartedHelpers()).toEqual([]);
    await running;
  });
});
