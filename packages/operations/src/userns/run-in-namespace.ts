import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeTaskRunner } from '@phoenix-hydra/podman-adapter';
import { nsTasks } from './ns-tasks.ts';

/** Runs one of this package's tasks as root of the rootless user namespace (in this process as root). */
export const runInUserNamespace = nodeTaskRunner(
  // ns-main beside this module: `.ts` in development, `.js` once built.
  new URL(`./ns-main${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
  nsTasks,
);
