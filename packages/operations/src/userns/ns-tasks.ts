import type { RotateInput, RotationReport } from '../logs/rotate-logs.ts';
import type { StageInput } from '../nginx/stage-config.ts';
import type { ContentSwapInput, ContentSwapResult } from '../nginx/swap-contents.ts';

/**
 * The file operations that may need to run as root of the user namespace (on subuid-owned files),
 * each a plain function of JSON input: the same code runs in-process or under `podman unshare`.
 */
export const nsTasks = {
  rotate: async (input: RotateInput): Promise<RotationReport> =>
    (await import('../logs/rotate-logs.ts')).rotateLogs(input),
  stage: async (input: StageInput): Promise<string[]> =>
    (await import('../nginx/stage-config.ts')).stageConfig(input),
  swap: async (input: ContentSwapInput): Promise<ContentSwapResult> =>
    (await import('../nginx/swap-contents.ts')).swapContents(input),
  recoverSwap: async (input: { live: string }): Promise<string[]> =>
    (await import('../nginx/swap-contents.ts')).recoverSwap(input),
};
