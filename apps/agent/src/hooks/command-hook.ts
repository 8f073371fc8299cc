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
  /** Its whole environment besides PHOENIX_EVENT_TYPE and PHOENIX_PROJECT (see hookEnvironment). */
  env?: Readonly<Record<string, string>> | undefined;
  signal?: AbortSignal | undefined;
}

/** What every command hook gets from the agent's environment; anything else only when its `env:` lists it. */
const BASE_ENV = ['PATH', 'HOME', 'LANG', 'XDG_RUNTIME_DIR'] as const;
/** PATH when the agent has none, so a hook's program is still found. */
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * A command hook's environment: PATH, HOME, LANG, XDG_RUNTIME_DIR and the names on the hook's own
 * allowlist, from the agent's environment (unset names are left out). Nothing else: the agent's
 * environment holds webhook keys and database passwords that a notification script has no need of.
 */
export function hookEnvironment(
  agentEnv: NodeJS.ProcessEnv,
  allow: readonly string[],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_ENV, ...allow]) {
    const value = agentEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
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
    extendEnv: false,
    env: {
      PATH: DEFAULT_PATH,
      ...options.env,
      PHOENIX_EVENT_TYPE: event.type,
      PHOENIX_PROJECT: event.project,
    },
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
