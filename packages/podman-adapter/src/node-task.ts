import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PhoenixError, type PhoenixErrorCode } from '@phoenix-hydra/core';
import type { Podman } from './podman.ts';
import { needsUserNamespace } from './rerun-in-namespace.ts';
import type { NodeTasks } from './serve-node-task.ts';

interface ReportedError {
  code: string | null;
  message: string;
  phoenix?: { hint: string | null } | null;
}

function lastJsonLine(stderr: string): ReportedError | null {
  const line = stderr.trim().split('\n').at(-1) ?? '';
  try {
    return (JSON.parse(line) as { error?: ReportedError }).error ?? null;
  } catch {
    return null;
  }
}

/** Runs one task of a table, typed by the table. */
export type NodeTaskRunner<T extends NodeTasks> = <K extends keyof T & string>(
  podman: Podman,
  task: K,
  input: Parameters<T[K]>[0],
  options?: { timeoutMs?: number },
) => Promise<Awaited<ReturnType<T[K]>>>;

/**
 * A runner for a package's table of file tasks that may need to act as root of the rootless user namespace
 * (on subuid-owned files): rootless, `podman unshare <this node> <main> TASK` with the input as JSON on stdin
 * (`main` calls serveNodeTask with the same table); as root or already inside, in this process. A refusal
 * raised inside keeps its code and hint.
 */
export function nodeTaskRunner<T extends NodeTasks>(main: URL, tasks: T): NodeTaskRunner<T> {
  const mainPath = fileURLToPath(main);
  return async (podman, task, input, options = {}) => {
    const run = tasks[task];
    if (run === undefined) throw new PhoenixError('INTERNAL', `unknown namespace task ${task}`);
    if (!needsUserNamespace()) return (await run(input)) as Awaited<ReturnType<T[typeof task]>>;
    const result = await podman.unshare.run([process.execPath, mainPath, task], {
      stdin: Readable.from([JSON.stringify(input)]),
      timeoutMs: options.timeoutMs ?? 10 * 60_000,
    });
    if (result.exitCode === 0) return JSON.parse(result.stdout);
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
  };
}
