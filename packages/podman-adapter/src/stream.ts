import { PassThrough, type Readable } from 'node:stream';
import { execa } from 'execa';
import { type CallOptions, execOptions, outcomeError, type RunnerConfig } from './runner.ts';

/** A running podman command whose stdout is consumed as a stream, with flat memory whatever its size. */
export interface StreamedCall {
  /** Ends only after podman exited 0; errors with the PhoenixError otherwise, so truncation never looks like success. */
  stdout: Readable;
  /** Resolves when podman exited 0; rejects with a PhoenixError carrying argv, exit code and stderr. */
  done: Promise<void>;
}

const STDERR_LIMIT = 1024 * 1024;

/** Starts podman with stdout piped through (backpressure reaches podman); the default limit is streamTimeoutMs. */
export function callStream(
  config: RunnerConfig,
  args: readonly string[],
  options: CallOptions = {},
): StreamedCall {
  const child = execa(config.bin, args, {
    ...execOptions(config, options, options.timeoutMs ?? config.streamTimeoutMs),
    buffer: { stdout: false, stderr: true },
    maxBuffer: { stderr: STDERR_LIMIT },
  });
  const stdout = new PassThrough();
  let settled = false;
  child.stdout.pipe(stdout, { end: false });
  const done = child.then((result) => {
    settled = true;
    const error = outcomeError(config, args, result);
    if (error) throw error;
  });
  done.then(
    () => stdout.end(),
    (error: unknown) => stdout.destroy(error as Error),
  );
  // A consumer that stops reading must not leave podman blocked on a full pipe.
  stdout.on('close', () => {
    if (settled) return;
    child.kill();
    child.stdout.resume();
  });
  return { stdout, done };
}
