import type { Readable } from 'node:stream';
import type { Owner } from '@phoenix-hydra/core';
import { envArgs, requireRef, userArgs } from './process-args.ts';
import { assertSuccess, callAllowFail, type RunnerConfig } from './runner.ts';
import { callStream, type StreamedCall } from './stream.ts';

/** Options of a command run in a running container. */
export interface ExecOptions {
  /** Streamed to the command's stdin (adds `--interactive`). */
  stdin?: Readable | undefined;
  user?: string | Owner | undefined;
  /** Passed as `--env NAME` with the value in podman's environment only, never in argv. */
  env?: Readonly<Record<string, string>> | undefined;
  workdir?: string | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Buffered exec result; exit codes other than podman's own 125 are returned when `reject` is false. */
export interface ExecTextResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function execArgs(container: string, argv: readonly string[], options: ExecOptions): string[] {
  return [
    'exec',
    ...(options.stdin ? ['--interactive'] : []),
    ...userArgs(options.user),
    ...envArgs(options.env),
    ...(options.workdir ? ['--workdir', options.workdir] : []),
    requireRef(container, 'container'),
    ...argv,
  ];
}

/** Runs argv in a container with stdout streamed (flat memory for multi-GB dumps); default limit streamTimeoutMs. */
export function exec(
  config: RunnerConfig,
  container: string,
  argv: readonly string[],
  options: ExecOptions = {},
): StreamedCall {
  return callStream(config, execArgs(container, argv, options), options);
}

/** Runs argv in a container and buffers its output; throws PODMAN_FAILED on a non-zero exit unless `reject: false`. */
export async function execText(
  config: RunnerConfig,
  container: string,
  argv: readonly string[],
  options: ExecOptions & { reject?: boolean } = {},
): Promise<ExecTextResult> {
  const result = await callAllowFail(config, execArgs(container, argv, options), options);
  if (options.reject !== false || result.exitCode === 125) assertSuccess(config, result);
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}
