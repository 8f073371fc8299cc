import type { RotateInput, RotationReport } from '../logs/rotate-logs.ts';
import type { StageInput } from '../nginx/stage-config.ts';
import type { ContentSwapInput, ContentSwapResult } from '../nginx/swap-contents.ts';
import type { ScanOptions, TreeUsage } from '../usage/scan-tree.ts';

/** Input of the `scan` task. */
export interface ScanInput {
  root: string;
  options: ScanOptions;
}

/**
 * The file operations that may need to run as root of the user namespace (on subuid-owned files),
 * each a plain function of JSON input: the same code runs in-process or under `podman unshare`.
 */
export const nsTasks = {
  scan: async (input: ScanInput): Promise<TreeUsage> =>
    (await import('../usage/scan-tree.ts')).scanTree(input.root, input.options),
  rotate: async (input: RotateInput): Promise<RotationReport> =>
    (await import('../logs/rotate-logs.ts')).rotateLogs(input),
  stage: async (input: StageInput): Promise<string[]> =>
    (await import('../nginx/stage-config.ts')).stageConfig(input),
  swap: async (input: ContentSwapInput): Promise<ContentSwapResult> =>
    (await import('../nginx/swap-contents.ts')).swapContents(input),
  recoverSwap: async (input: { live: string }): Promise<string[]> =>
    (await import('../nginx/swap-contents.ts')).recoverSwap(input),
};

/** A task's name. */
export type NsTaskName = keyof typeof nsTasks;
/** The input a task takes. */
export type NsTaskInput<T extends NsTaskName> = Parameters<(typeof nsTasks)[T]>[0];
/** The result a task returns. */
export type NsTaskResult<T extends NsTaskName> = Awaited<ReturnType<(typeof nsTasks)[T]>>;
