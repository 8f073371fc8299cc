import { signalExitCode } from '@phoenix-hydra/podman-adapter/user-namespace';
import { startAgent } from '../agent.ts';
import { loadConfig } from '../config/load-config.ts';
import { createLogger } from '../logger.ts';
import { needsUserNamespace, rerunInUserNamespace } from '../user-namespace.ts';

/**
 * `phoenix-volumes-agent run`: runs until SIGTERM or SIGINT, stops cleanly, then returns 143 or 130 as
 * every stopped command does (the systemd unit counts both as success).
 */
export async function runCommand(options: {
  config?: string | undefined;
  argv: readonly string[];
}): Promise<number> {
  const { config, file } = await loadConfig(options.config);
  if (needsUserNamespace()) return rerunInUserNamespace(options.argv);
  const log = createLogger(config.log.level);
  const agent = await startAgent({ config, configFile: file, log });
  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      log.info({ signal }, `${signal} received: stopping`);
      process.off('SIGTERM', stop).off('SIGINT', stop);
      // A second signal while stopping is logged, not obeyed: the running backup is cleaning up.
      const again = (s: NodeJS.Signals) => log.warn({ signal: s }, 'already stopping');
      process.on('SIGTERM', again).on('SIGINT', again);
      const code = signalExitCode(signal);
      agent.stop().then(
        () => resolve(code),
        (error: unknown) => {
          log.error({ err: error }, 'error while stopping');
          resolve(code);
        },
      );
    };
    process.on('SIGTERM', stop).on('SIGINT', stop);
  });
}
