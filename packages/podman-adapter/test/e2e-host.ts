import { mkdtemp } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The probe image tooling/e2e/prepare-host.sh builds in the test user's storage (sh, coreutils, postgres 15). */
export const PROBE_IMAGE = 'localhost/phoenix-hydra-test:latest';

/** E2E tests must talk to rootless podman: as root they would silently test rootful podman instead. */
export function requireRootless(): void {
  if (process.getuid?.() === 0)
    throw new Error('run e2e tests with `pnpm test:e2e` (it runs them as phoenix-e2e)');
}

/** A fresh 0700 directory in the test user's home, named so a leftover is easy to attribute. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(homedir(), `pa-e2e-${prefix}-`));
}

/** A name no concurrent test run uses (containers, volumes, compose projects). */
export function uniqueName(prefix: string): string {
  return `pa-e2e-${prefix}-${process.pid}-${Date.now().toString(36)}`;
}
