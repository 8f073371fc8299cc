import type { PhoenixEvent } from '@phoenix-hydra/core';
import { execa } from 'execa';

/** Why a command hook failed, for the log and the failure counter. */
export interface HookFailure {
  reason: 'exit' | 'timeout' | 'spawn' | 'http' | 'network' | 'queue_full' | 'shutdown';
  message: string;
}

/** A program run per event: argv without a shell, the event JSON (one line) on stdin, a time limit. */
export interface CommandHookOptions {
  argv: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

const tail = (text: string) => text.trim().split('\n').slice(-3).join(' | ').slice(-500);

/** Runs the command for one event; resolves null on exit 0, or the failure. Never throws. */
export async function runCommandHook(
  event: PhoenixEvent,
  options: CommandHookOptions,
): Promise<HookFailure | null> {
  const [file, ...args] = options.argv;
  if (file === undefined) return { reason: 'spawn', message: 'empty command' };
  const result = await execa(file, args, {
    input: `${JSON.stringify(event)}\n`,
    timeout: options.timeoutMs,
    forceKillAfterDelay: 2000,
    reject: false,
    stdout: 'pipe',
    stderr: 'pipe',
    maxBuffer: 64 * 1024,
    env: { PHOENIX_EVENT_TYPE: event.type, PHOENIX_PROJECT: event.project },
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  if (result.timedOut) {
    return { reason: 'timeout', message: `${file} did not finish within ${options.timeoutMs / 1000} s` };
  }
  if (result.failed && result.exitCode === undefined) {
    return { reason: 'spawn', message: result.shortMessage ?? `${file} could not be started` };
  }
  if (result.exitCode !== 0) {
    return { reason: 'exit', message: `${file} exited ${result.exitCode}: ${tail(String(result.stderr))}` };
  }
  return null;
}
