import { defineConfig } from 'vitest/config';
import { e2eProject, unitProject } from './tooling/vitest/preset.ts';

export default defineConfig({
  cacheDir: process.env.VITEST_CACHE_DIR ?? 'node_modules/.vite',
  test: {
    projects: [unitProject(import.meta.dirname), e2eProject(import.meta.dirname)],
  },
});
