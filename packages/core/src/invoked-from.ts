import { isAbsolute } from 'node:path';

/**
 * The directory the user typed `pnpm <script> …` in. pnpm runs a root script of this workspace in the
 * workspace root and passes that directory as INIT_CWD; only our own script's INIT_CWD counts (another
 * project's script that happens to call us has its own). Undefined when not started that way.
 */
export function invokedFrom(script: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.npm_lifecycle_event !== script || env.npm_package_name !== 'phoenix-hydra-volumes')
    return undefined;
  const dir = env.INIT_CWD;
  return dir !== undefined && isAbsolute(dir) ? dir : undefined;
}
