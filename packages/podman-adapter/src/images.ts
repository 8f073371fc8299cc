import { requireRef } from './process-args.ts';
import { callAllowFail, type RunnerConfig } from './runner.ts';

/** Image queries bound to one podman configuration (no registry is ever asked). */
export function createImages(config: RunnerConfig) {
  return {
    /** True when the image is in local storage (`podman image exists`); never pulls. */
    async imageExists(image: string): Promise<boolean> {
      const result = await callAllowFail(config, ['image', 'exists', '--', requireRef(image, 'image')]);
      return result.exitCode === 0;
    },
  };
}
