import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { PhoenixError } from '@phoenix-hydra/core';
import { copyConfigTree } from './copy-config-tree.ts';

/** What to stage: a directory replaces the whole configuration, a file replaces (or adds) itself. */
export interface StageInput {
  /** The live configuration directory, read when `source` is a single file. */
  live: string;
  source: string;
  /** Created; must not exist. */
  staging: string;
}

/**
 * Builds the new configuration in `staging`: a copy of the source directory, or the live files with the
 * source file put in (same name replaced). Modes become 0644/0755 so nginx reads them as any user.
 * The live files are a container's to change at any moment: copyConfigTree reads them without following
 * links and refuses links that leave the configuration, FIFOs and devices (USAGE, naming the entry).
 */
export async function stageConfig(input: StageInput): Promise<string[]> {
  const source = await lstat(input.source).catch((cause: unknown) => {
    throw new PhoenixError('USAGE', `cannot read ${input.source}: ${(cause as Error).message}`, {
      hint: 'pass an nginx configuration file (site.conf) or a directory of them',
      cause,
    });
  });
  await mkdir(input.staging, { mode: 0o755 });
  try {
    await chmod(input.staging, 0o755);
    if (source.isDirectory()) {
      await copyConfigTree({ path: input.source, label: input.source }, input.staging);
    } else if (source.isFile()) {
      const name = basename(input.source);
      const live = { path: input.live, label: `the live configuration ${input.live}` };
      await copyConfigTree(live, input.staging, (entry) => entry !== name);
      await copyConfigTree(
        { path: dirname(input.source), label: input.source },
        input.staging,
        (entry) => entry === name,
      );
    } else {
      throw new PhoenixError('USAGE', `${input.source} is neither a file nor a directory`, {
        hint: 'pass an nginx configuration file (site.conf) or a directory of them',
      });
    }
    return (await readdir(input.staging)).sort();
  } catch (error) {
    await rm(input.staging, { recursive: true, force: true });
    throw error;
  }
}
