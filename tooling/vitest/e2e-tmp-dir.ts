import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { isolateTmpDir, makeWritable } from './tmp-dir.ts';

/**
 * Vitest global set-up for e2e tests, as tmp-dir.ts does for unit tests: the tests' project
 * directories, base directories and backups, and what the CLIs they start write to os.tmpdir()
 * (also a command killed with SIGKILL on purpose), go into one directory of this run, removed at
 * the end. Containers leave files owned by ids of the user's namespace there (postgres's 999), which
 * only root of that namespace can remove: `podman unshare rm -rf` does what the user cannot.
 */
export function setup(): () => void {
  return isolateTmpDir('phoenix-e2e-run-', 'e2e tests', (dir) => {
    makeWritable(dir);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // a file of the user namespace's ids: removed below
    }
    if (!existsSync(dir)) return;
    const r = spawnSync('podman', ['unshare', 'rm', '-rf', '--', dir], { encoding: 'utf8' });
    if (existsSync(dir)) {
      throw new Error(
        `e2e tests could not remove ${dir}: podman unshare rm -rf said ${r.stderr || r.error?.message}`,
      );
    }
  });
}
