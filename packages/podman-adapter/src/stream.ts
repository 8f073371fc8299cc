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

/** How much of a streamed command's stderr is kept for its error: the tail, where podman puts `Error:`. */
export const STDERR_TAIL_BYTES = 256 * 1024;

/** Starts podman with stdout piped through (backpressure reaches podman); the default limit is streamTimeoutMs. */
export function callStream(
  config: RunnerConfig,
  args: readonly string[],
  options: CallOptions = {},
): StreamedCall {
  const child = execa(config.bin, args, {
    ...execOptions(config, options, options.timeoutMs ?? config.streamTimeoutMs),
    // execa would kill a command whose buffered stderr passes maxBuffer (a verbose pg_dump can); keep a tail instead.
    buffer: false,
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
  });
  const stdout = new PassThrough();
  let settled = false;
  child.stdout.pipe(stdout, { end: false });
  const done = child.then((result) => {
    settled = true;
    const error = outcomeError(config, args, { ...result, stderr });
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
