import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PhoenixError, type PhoenixErrorCode } from '@phoenix-hydra/core';
import { callAllowFail, type Podman } from '@phoenix-hydra/podman-adapter';
import { type NsTaskInput, type NsTaskName, type NsTaskResult, nsTasks } from './ns-tasks.ts';

const here = fileURLToPath(import.meta.url);
/** ns-main beside this module, `.ts` in development and `.js` once built. */
const NS_MAIN = fileURLToPath(new URL(`./ns-main${extname(here)}`, import.meta.url));

/** Whether this process acts on volumes through `podman unshare` (rootless) or directly (root). */
export function needsUserNamespace(): boolean {
  return process.getuid?.() !== 0;
}

/**
 * Runs a task as root of the rootless user namespace: `podman unshare <this node> ns-main TASK`, so it may
 * read and change subuid-owned files the host user cannot. As root it runs in this process.
 */
export async function runInUserNamespace<T extends NsTaskName>(
  podman: Podman,
  task: T,
  input: NsTaskInput<T>,
  options: { timeoutMs?: number } = {},
): Promise<NsTaskResult<T>> {
  if (!needsUserNamespace()) return (await nsTasks[task](input as never)) as NsTaskResult<T>;
  const result = await callAllowFail(podman.config, ['unshare', process.execPath, NS_MAIN, task], {
    stdin: Readable.from([JSON.stringify(input)]),
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
  });
  if (result.exitCode === 0) return JSON.parse(result.stdout) as NsTaskResult<T>;
  const reported = lastJsonLine(result.stderr);
  if (reported?.phoenix && reported.code !== null) {
    throw new PhoenixError(reported.code as PhoenixErrorCode, reported.message, {
      hint: reported.phoenix.hint ?? undefined,
    });
  }
  throw new PhoenixError(
    'PODMAN_FAILED',
    `${task} inside podman unshare failed: ${reported?.message ?? (result.stderr.trim() || `exit code ${result.exitCode}`)}`,
    {
      hint: 'podman unshare true   # checks the user namespace works; see phoenix-volumes doctor',
      details: { task, exitCode: result.exitCode, code: reported?.code ?? null, stderr: result.stderr },
    },
  );
}

interface ReportedError {
  code: string | null;
  message: string;
  phoenix?: { hint: string | null } | null;
}

function lastJsonLine(stderr: string): ReportedError | null {
  const line = stderr.trim().split('\n').at(-1) ?? '';
  try {
    const parsed = JSON.parse(line) as { error?: ReportedError };
    return parsed.error ?? null;
  } catch {
    return null;
  }
}
