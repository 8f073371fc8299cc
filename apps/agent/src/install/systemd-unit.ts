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
  /**
   * The podman that puts the agent in the rootless user namespace before Node starts (`podman unshare
   * node …`: one Node process, none waiting outside); null as root, where no namespace is needed.
   */
  podman: string | null;
  /** null: the agent reads the default path (and runs on defaults while it does not exist). */
  configFile: string | null;
  /** The config's backup.shutdownGrace: systemd must wait at least that long before SIGKILL. */
  shutdownGraceSeconds: number;
}

const quote = (arg: string) =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`;

/**
 * The unit's command line. Rootless, `podman unshare` starts Node already inside the namespace (it sets
 * _CONTAINERS_USERNS_CONFIGURED, so the agent does not re-run itself): the tree is two podman processes
 * and one Node, instead of an outer Node waiting on a second one.
 */
export function unitCommand(options: UnitOptions): string[] {
  const config = options.configFile === null ? [] : ['--config', options.configFile];
  const agent = [options.node, ...NODE_FLAGS, options.script, 'run', ...config];
  return options.podman === null ? agent : [options.podman, 'unshare', ...agent];
}

/**
 * A systemd user unit. Rootless, KillMode=control-group sends SIGTERM to every process at once: podman
 * unshare passes no signal to the agent and exits at once, so only this way does the agent get its
 * SIGTERM, stop cleanly and exit 143 while systemd waits for the whole cgroup (TimeoutStopSec) before
 * any SIGKILL. As root (no podman in between) KillMode=mixed sends it to the agent only. SuccessExitStatus
 * makes 143, and 130 after SIGINT, a clean stop. No NoNewPrivileges: rootless podman needs the setuid
 * newuidmap/newgidmap.
 */
export function renderUnit(options: UnitOptions): string {
  const exec = unitCommand(options).map(quote).join(' ');
  const killMode = options.podman === null ? 'mixed' : 'control-group';
  return `[Unit]
Description=phoenix-volumes-agent: volume monitoring, scheduled backups and metrics for Phoenix Hydra
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=${exec}
Restart=on-failure
RestartSec=10s
KillMode=${killMode}
KillSignal=SIGTERM
SuccessExitStatus=130 143
TimeoutStopSec=${Math.ceil(options.shutdownGraceSeconds) + 30}s

[Install]
WantedBy=default.target
`;
}
