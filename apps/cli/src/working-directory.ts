import { isAbsolute } from 'node:path';

/**
 * The directory the user typed `pnpm phoenix-volumes …` in. pnpm runs a root script in the workspace
 * root and passes that directory as INIT_CWD; only our own script's INIT_CWD counts (another
 * project's script that happens to call us has its own).
 */
export function invokedFrom(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.npm_lifecycle_event !== 'phoenix-volumes' || env.npm_package_name !== 'phoenix-hydra-volumes') {
    return undefined;
  }
  const dir = env.INIT_CWD;
  return dir !== undefined && isAbsolute(dir) ? dir : undefined;
}
