import { chmod, copyFile, cp, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PhoenixError } from '@phoenix-hydra/core';

/** What to stage: a directory replaces the whole configuration, a file replaces (or adds) itself. */
export interface StageInput {
  /** The live configuration directory, read when `source` is a single file. */
  live: string;
  source: string;
  /** Created; must not exist. */
  staging: string;
}

async function makeReadable(path: string): Promise<void> {
  const st = await lstat(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    await chmod(path, 0o755);
    for (const name of await readdir(path)) await makeReadable(join(path, name));
  } else {
    await chmod(path, 0o644);
  }
}

/**
 * Builds the new configuration in `staging`: a copy of the source directory, or the live files with the
 * source file put in (same name replaced). Modes become 0644/0755 so nginx reads them as any user.
 * Symlinks are copied as links, never followed.
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
    if (source.isDirectory()) {
      await cp(input.source, input.staging, { recursive: true, verbatimSymlinks: true, errorOnExist: true });
    } else if (source.isFile()) {
      const name = basename(input.source);
      for (const entry of await readdir(input.live)) {
        if (entry !== name) {
          await cp(join(input.live, entry), join(input.staging, entry), {
            recursive: true,
            verbatimSymlinks: true,
          });
        }
      }
      await copyFile(input.source, join(input.staging, name));
    } else {
      throw new PhoenixError('USAGE', `${input.source} is neither a file nor a directory`, {
        hint: 'pass an nginx configuration file (site.conf) or a directory of them',
      });
    }
    await makeReadable(input.staging);
    return (await readdir(input.staging)).sort();
  } catch (error) {
    await rm(input.staging, { recursive: true, force: true });
    throw error;
  }
}
