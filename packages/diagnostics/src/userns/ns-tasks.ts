import type { ScanOptions, TreeUsage } from '../usage/scan-tree.ts';

/** Input of the `scan` task. */
export interface ScanInput {
  root: string;
  options: ScanOptions;
}

/** The reads of diagnostics that may need to run as root of the user namespace (subuid-owned trees). */
export const nsTasks = {
  scan: async (input: ScanInput): Promise<TreeUsage> =>
    (await import('../usage/scan-tree.ts')).scanTree(input.root, input.options),
};
