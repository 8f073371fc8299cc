import type { Readable } from 'node:stream';
import { PhoenixError } from '@phoenix-hydra/core';
import { execa } from 'execa';
import type { z } from 'zod';
import { cleanStderr } from './clean-stderr.ts';

/** How every podman call is made: which binary, the default time limits and extra environment. */
export interface RunnerConfig {
  bin: string;
  timeoutMs: number;
  streamTimeoutMs: number;
  env: Readonly<Record<string, string>>;
}

/** Per-call overrides; stdin is streamed, env values are added to the child's environment only. */
export interface CallOptions {
  timeoutMs?: number | undefined;
  stdin?: Readable | undefined;
  env?: Readonly<Record<string, string>> | undefined;
  signal?: AbortSignal | undefined;
}

/** A finished podman call; stderr has harmless warnings removed. */
export interface CallResult {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The facts an execa result or error carries that decide which PhoenixError to raise. */
export interface Outcome {
  failed: boolean;
  code?: string | undefined;
  timedOut: boolean;
  isCanceled: boolean;
  exitCode?: number | undefined;
  signal?: string | undefined;
  shortMessage?: string | undefined;
  stderr?: unknown;
}

/** The packages a Debian/Ubuntu host needs for rootless podman; shown when podman cannot be run. */
export const INSTALL_HINT = 'sudo apt-get install podman uidmap slirp4netns';

/** Turns a failed outcome into the PhoenixError callers match on; returns undefined for exit code 0. */
export function outcomeError(
  config: RunnerConfig,
  args: readonly string[],
  o: Outcome,
): PhoenixError | undefined {
  const argv = [config.bin, ...args];
  const stderr = typeof o.stderr === 'string' ? cleanStderr(o.stderr) : '';
  const details = { argv, exitCode: o.exitCode, stderr };
  const what = ['podman', ...leadingWords(args)].join(' ');
  if ((o.code === 'ENOENT' || o.code === 'EACCES') && o.exitCode === undefined) {
    return new PhoenixError('PODMAN_MISSING', `podman cannot be run (${config.bin}: ${o.code})`, {
      hint: INSTALL_HINT,
      details,
    });
  }
  if (o.timedOut) {
    return new PhoenixError('PODMAN_TIMEOUT', `${what} did not finish in time`, {
      hint: 'podman info   # check podman answers; slow storage may need a longer timeoutMs',
      details,
    });
  }
  if (o.isCanceled) return new PhoenixError('ABORTED', `${what} was cancelled`, { details });
  if (!o.failed && o.exitCode === 0) return undefined;
  const reason =
    firstLine(stderr) ||
    (o.exitCode !== undefined
      ? `exit code ${o.exitCode}`
      : o.signal
        ? `killed by ${o.signal}`
        : o.shortMessage);
  return new PhoenixError('PODMAN_FAILED', `${what} failed: ${reason ?? 'unknown error'}`, { details });
}

/** `volume inspect` from `['volume', 'inspect', '--format', ...]`: the subcommand words before the first flag. */
function leadingWords(args: readonly string[]): string[] {
  const end = args.findIndex((a) => a.startsWith('-'));
  return args.slice(0, end === -1 ? args.length : end).slice(0, 2);
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.replace(/^Error: /, '').trim();
}

/** execa options shared by buffered and streamed calls: no shell, no rejection, a time limit. */
export function execOptions(config: RunnerConfig, options: CallOptions, timeoutMs: number) {
  return {
    reject: false,
    // execa treats 0 as "no limit"; only the events stream asks for that.
    timeout: timeoutMs > 0 && Number.isFinite(timeoutMs) ? timeoutMs : 0,
    env: { ...config.env, ...options.env },
    // execa's `stdin` option only takes streams backed by a file descriptor; `input` takes any Readable.
    ...(options.stdin ? { input: options.stdin } : { stdin: 'ignore' as const }),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    stripFinalNewline: false,
    // A timed-out `podman unshare du` must take its du with it, or the open pipe keeps the call waiting.
    killDescendants: true,
  } as const;
}

/** Runs podman with an argument array (never a shell) and returns the result even for a non-zero exit. */
export async function callAllowFail(
  config: RunnerConfig,
  args: readonly string[],
  options: CallOptions = {},
): Promise<CallResult> {
  const result = await execa(
    config.bin,
    args,
    execOptions(config, options, options.timeoutMs ?? config.timeoutMs),
  );
  if (result.exitCode === undefined) {
    throw (
      outcomeError(config, args, result) ?? new PhoenixError('INTERNAL', 'podman ended without an exit code')
    );
  }
  return {
    argv: [config.bin, ...args],
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: cleanStderr(result.stderr),
  };
}

/** Throws PODMAN_FAILED (with argv, exit code and stderr) for a result that did not exit 0. */
export function assertSuccess(config: RunnerConfig, result: CallResult): CallResult {
  const outcome = { failed: result.exitCode !== 0, timedOut: false, isCanceled: false };
  const error = outcomeError(config, result.argv.slice(1), { ...outcome, ...result });
  if (error) throw error;
  return result;
}

/** Runs podman and throws PODMAN_FAILED (with argv, exit code and stderr) unless it exits 0. */
export async function call(
  config: RunnerConfig,
  args: readonly string[],
  options: CallOptions = {},
): Promise<CallResult> {
  return assertSuccess(config, await callAllowFail(config, args, options));
}

/** Runs a `--format json` command and validates its output; PODMAN_OUTPUT when podman printed another shape. */
export async function callJson<S extends z.ZodType>(
  config: RunnerConfig,
  args: readonly string[],
  schema: S,
  options: CallOptions = {},
): Promise<z.output<S>> {
  const result = await call(config, args, options);
  return parseOutput(result.argv, result.stdout, schema);
}

/** Parses podman's JSON output through a schema, raising PODMAN_OUTPUT with the zod issues on mismatch. */
export function parseOutput<S extends z.ZodType>(
  argv: readonly string[],
  text: string,
  schema: S,
): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new PhoenixError('PODMAN_OUTPUT', `${argv.join(' ')} printed output that is not JSON`, {
      cause,
      details: { argv, output: text.slice(0, 2000) },
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new PhoenixError('PODMAN_OUTPUT', `${argv.join(' ')} printed JSON of an unexpected shape`, {
      cause: parsed.error,
      details: { argv, issues: parsed.error.issues },
    });
  }
  return parsed.data;
}
