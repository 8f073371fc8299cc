import { fileURLToPath } from 'node:url';
import { defineConfig, defineProject } from 'vitest/config';

/** Unit tests: beside the code, no podman, fast and parallel. */
export function unitProject(root: string) {
  return defineProject({
    test: {
      name: 'unit',
      root,
      include: ['**/src/**/*.test.ts', '**/test/**/*.test.ts'],
      exclude: ['**/*.e2e.test.ts', '**/node_modules/**', '**/dist/**'],
      testTimeout: 15_000,
      hookTimeout: 120_000,
      globalSetup: [fileURLToPath(new URL('./tmp-dir.ts', import.meta.url))],
    },
  });
}

/** End-to-end tests: real rootless podman, PostgreSQL and nginx; one file at a time. */
export function e2eProject(root: string) {
  return defineProject({
    test: {
      name: 'e2e',
      root,
      include: ['**/*.e2e.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**'],
      testTimeout: 180_000,
      hookTimeout: 300_000,
      fileParallelism: false,
      sequence: { concurrent: false },
      globalSetup: [fileURLToPath(new URL('./e2e-tmp-dir.ts', import.meta.url))],
    },
  });
}

/** The config each package uses, so `pnpm --filter X test` runs that package's unit tests alone. */
export function packageConfig(root: string) {
  return defineConfig({
    cacheDir: process.env.VITEST_CACHE_DIR ?? 'node_modules/.vite',
    test: { projects: [unitProject(root), e2eProject(root)] },
  });
}
