import { type Owner, PhoenixError } from '@phoenix-hydra/core';
import { CLIENT_PID_LABEL, HELPER_LABEL } from './containers.ts';
import { newHelperName, removeContainer } from './helper-files.ts';
import { envArgs, requireRef, userArgs } from './process-args.ts';
import { assertSuccess, callAllowFail, type RunnerConfig } from './runner.ts';

/** A `-v source:target[:options]` mount; source is a host path or a volume name. */
export interface ProbeMount {
  source: string;
  target: string;
  /** e.g. ['ro'], ['Z'], ['U']. */
  options?: readonly string[] | undefined;
}

/** Options of a throwaway probe container. */
export interface RunOptions {
  user?: string | Owner | undefined;
  mounts?: readonly ProbeMount[] | undefined;
  /** Defaults to 'none': probes need no network and rootless slirp4netns may be unavailable. */
  network?: string | undefined;
  /** Remove the container once it exited (after `run` returned, not `--rm`: see helperContainerArgs). Defaults to true. */
  rm?: boolean | undefined;
  env?: Readonly<Record<string, string>> | undefined;
  entrypoint?: string | undefined;
  labels?: Readonly<Record<string, string>> | undefined;
  timeoutMs?: number | undefined;
}

/** A probe's outcome: the exit code is data, not an error. */
export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function mountArg(mount: ProbeMount): string[] {
  if (mount.source.includes(':') || mount.target.includes(':')) {
    throw new PhoenixError('USAGE', `mount paths must not contain ":": ${mount.source} → ${mount.target}`);
  }
  const options = mount.options?.length ? `:${mount.options.join(',')}` : '';
  return ['--volume', `${mount.source}:${mount.target}${options}`];
}

/**
 * Runs argv in a fresh container, labelled `io.phoenix-hydra.helper=1` (what the sweep and tests look for), removed
 * once it exited; returns its exit code, and throws only when podman itself fails (exit 125).
 */
export async function run(
  config: RunnerConfig,
  image: string,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const name = await newHelperName(config, 'probe');
  const args = [
    'run',
    '--name',
    name,
    '--network',
    options.network ?? 'none',
    ...userArgs(options.user),
    ...(options.mounts ?? []).flatMap(mountArg),
    ...envArgs(options.env),
    ...(options.entrypoint ? ['--entrypoint', options.entrypoint] : []),
    ...Object.entries({
      [HELPER_LABEL]: '1',
      [CLIENT_PID_LABEL]: String(process.pid),
      ...options.labels,
    }).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    requireRef(image, 'image'),
    ...argv,
  ];
  let result: Awaited<ReturnType<typeof callAllowFail>>;
  try {
    result = await callAllowFail(config, args, { timeoutMs: options.timeoutMs, env: options.env });
  } catch (error) {
    // A killed or timed-out `podman run` client leaves its container behind: remove it too.
    await removeContainer(config, name);
    throw error;
  }
  if (options.rm !== false) await removeContainer(config, name);
  if (result.exitCode === 125) assertSuccess(config, result);
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}
