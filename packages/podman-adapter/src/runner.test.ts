import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPodman } from './podman.ts';
import { call, callJson, type RunnerConfig } from './runner.ts';
import { callStream } from './stream.ts';

// These run real processes through the runner with a stand-in binary (sh); they test the runner, not podman.
const sh: RunnerConfig = { bin: 'sh', timeoutMs: 5000, streamTimeoutMs: 5000, env: {} };
const WARN =
  'WARN[0000] \\"/\\" is not a shared mount, this could cause issues or missing mounts with rootless containers';

describe('runner', () => {
  it('reports a missing binary as PODMAN_MISSING with the install hint', async () => {
    const podman = createPodman({ bin: '/nonexistent/podman' });
    await expect(podman.info()).rejects.toMatchObject({
      code: 'PODMAN_MISSING',
      hint: 'sudo apt-get install podman uidmap slirp4netns',
    });
  });

  it('reports a timeout as PODMAN_TIMEOUT', async () => {
    await expect(call(sh, ['-c', 'sleep 5'], { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'PODMAN_TIMEOUT',
    });
  });

  it('carries argv, exit code and filtered stderr on failure', async () => {
    const script = `echo "${WARN}" >&2; echo "Error: no such volume x" >&2; exit 125`;
    const error = await call(sh, ['-c', script]).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'PODMAN_FAILED',
      message: 'podman failed: no such volume x',
      details: { argv: ['sh', '-c', script], exitCode: 125, stderr: 'Error: no such volume x' },
    });
  });

  it('passes environment values to the child without putting them in argv', async () => {
    const result = await call(sh, ['-c', 'printf %s "$SECRET"'], { env: { SECRET: 's3cr3t' } });
    expect(result.stdout).toBe('s3cr3t');
    expect(result.argv.join(' ')).not.toContain('s3cr3t');
  });

  it('raises PODMAN_OUTPUT for JSON of an unexpected shape', async () => {
    const { z } = await import('zod');
    await expect(callJson(sh, ['-c', 'echo \'{"a":1}\''], z.object({ b: z.string() }))).rejects.toMatchObject(
      {
        code: 'PODMAN_OUTPUT',
      },
    );
    await expect(callJson(sh, ['-c', 'echo not json'], z.object({}))).rejects.toMatchObject({
      code: 'PODMAN_OUTPUT',
    });
  });
});

describe('callStream', () => {
  it('streams stdin to stdout and ends after a clean exit', async () => {
    const { stdout, done } = callStream(sh, ['-c', 'cat'], { stdin: Readable.from(['abc', 'def']) });
    const chunks: Buffer[] = [];
    for await (const chunk of stdout) chunks.push(chunk as Buffer);
    await done;
    expect(Buffer.concat(chunks).toString()).toBe('abcdef');
  });

  it('errors the stream instead of ending it when the command fails after output', async () => {
    const { stdout, done } = callStream(sh, ['-c', 'echo partial; echo boom >&2; exit 3']);
    const read = (async () => {
      for await (const _ of stdout) {
        // drain
      }
    })();
    await expect(read).rejects.toMatchObject({
      code: 'PODMAN_FAILED',
      details: { exitCode: 3, stderr: 'boom' },
    });
    await expect(done).rejects.toMatchObject({ code: 'PODMAN_FAILED' });
  });

  it('survives megabytes of stderr (a verbose dump) and keeps only its tail', async () => {
    const script = 'head -c 3000000 /dev/zero | tr "\\0" x >&2; echo ok';
    const { stdout, done } = callStream(sh, ['-c', script]);
    let out = '';
    for await (const chunk of stdout) out += String(chunk);
    await done;
    expect(out).toBe('ok\n');
  });

  it('kills the command when the consumer destroys the stream', async () => {
    const { stdout, done } = callStream(sh, ['-c', 'exec yes']);
    stdout.once('data', () => stdout.destroy());
    await expect(done).rejects.toMatchObject({
      code: 'PODMAN_FAILED',
      message: 'podman failed: killed by SIGTERM',
    });
  });
});
