import { isPhoenixError } from '@phoenix-hydra/core';
import { callAllowFail, type RunnerConfig } from './runner.ts';

/** The compose front end found on this machine and the argv prefix that runs it. */
export interface ComposeFrontEnd {
  kind: 'podman-compose' | 'podman compose';
  command: string[];
  /** Version as printed, or null when the output did not name one. */
  version: string | null;
}

/** Finds the version in `podman-compose version` output (1.0.3 prints `podman-composer version  1.0.3`). */
export function parsePodmanComposeVersion(output: string): string | null {
  return /podman-composer? version:?\s+v?(\d[\w.+-]*)/.exec(output)?.[1] ?? null;
}

/** Finds the provider's version in `podman compose version` output (podman ≥ 4.7 wraps an external tool). */
export function parseComposeVersion(output: string): string | null {
  return /version:?\s+v?(\d[\w.+-]*)/i.exec(output)?.[1] ?? null;
}

async function tryRun(config: RunnerConfig, args: string[]): Promise<string | null> {
  try {
    const result = await callAllowFail(config, args);
    return result.exitCode === 0 ? `${result.stdout}\n${result.stderr}` : null;
  } catch (error) {
    if (isPhoenixError(error) && error.code === 'PODMAN_MISSING') return null;
    throw error;
  }
}

/** Prefers podman-compose (what the stack's docs use), then `podman compose`; null when neither runs. */
export async function composeDetect(
  config: RunnerConfig,
  composeBin: string,
): Promise<ComposeFrontEnd | null> {
  const composeOutput = await tryRun({ ...config, bin: composeBin }, ['version']);
  if (composeOutput !== null) {
    return {
      kind: 'podman-compose',
      command: [composeBin],
      version: parsePodmanComposeVersion(composeOutput),
    };
  }
  const podmanOutput = await tryRun(config, ['compose', 'version']);
  if (podmanOutput !== null) {
    return {
      kind: 'podman compose',
      command: [config.bin, 'compose'],
      version: parseComposeVersion(podmanOutput),
    };
  }
  return null;
}
