import { join } from 'node:path';

/** The unit's name: `systemctl --user status phoenix-volumes-agent`. */
export const UNIT_NAME = 'phoenix-volumes-agent.service';

/** Where systemd looks for a user's own units. */
export function userUnitDir(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME?.startsWith('/')
    ? env.XDG_CONFIG_HOME
    : join(env.HOME ?? '/', '.config');
  return join(config, 'systemd', 'user');
}

/**
 * Node flags the service runs with: a 1 MB young generation instead of V8's default 16-32 MB keeps an
 * idle agent's own memory near 30 MB (the benchmark measures it); minor GCs stay cheap at this size.
 */
export const NODE_FLAGS = ['--max-semi-space-size=1'] as const;

/** What the unit runs: this Node and this script (the bundle or the bin), with the config file. */
export interface UnitOptions {
  node: string;
  script: string;
  /** null: the agent reads the default path (and runs on defaults while it does not exist). */
  configFile: string | null;
  /** The config's backup.shutdownGrace: systemd must wait at least that long before SIGKILL. */
  shutdownGraceSeconds: number;
}

const quote = (arg: string) =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`;

/**
 * A systemd user unit. KillMode=mixed sends SIGTERM to the agent only (it forwards it into the user
 * namespace, waits until the agent inside has stopped cleanly, then exits 143: SuccessExitStatus makes
 * that, and 130 after SIGINT, a clean stop); the rest of the cgroup gets SIGKILL only after the main
 * process exited or TimeoutStopSec passed. No NoNewPrivileges: rootless podman needs the setuid
 * newuidmap/newgidmap.
 */
export function renderUnit(options: UnitOptions): string {
  const config = options.configFile === null ? [] : ['--config', options.configFile];
  const exec = [options.node, ...NODE_FLAGS, options.script, 'run', ...config].map(quote).join(' ');
  return `[Unit]
Description=phoenix-volumes-agent: volume monitoring, scheduled backups and metrics for Phoenix Hydra
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=${exec}
Restart=on-failure
RestartSec=10s
KillMode=mixed
KillSignal=SIGTERM
SuccessExitStatus=130 143
TimeoutStopSec=${Math.ceil(options.shutdownGraceSeconds) + 30}s

[Install]
WantedBy=default.target
`;
}
