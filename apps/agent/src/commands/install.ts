import { constants } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { defaultConfigPath, loadConfig } from '../config/load-config.ts';
import { renderUnit, UNIT_NAME, userUnitDir } from '../install/systemd-unit.ts';

/** Options of `install` and `uninstall`; tests point unitDir at a temp directory. */
export interface InstallOptions {
  config?: string | undefined;
  dryRun?: boolean | undefined;
  unitDir?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** The script the unit runs; default: the one running now (the bundle or bin/phoenix-volumes-agent.js). */
  script?: string | undefined;
  /** The podman whose `unshare` starts the agent; default: podman on PATH when not root, none as root. */
  podman?: string | null | undefined;
  out?: (line: string) => void;
}

function nextSteps(user: string): string[] {
  return [
    'systemctl --user daemon-reload',
    `systemctl --user enable --now ${UNIT_NAME}`,
    `sudo loginctl enable-linger ${user}    # keeps it running while you are logged out, and starts it at boot`,
    `journalctl --user -u ${UNIT_NAME} -f    # its JSON log`,
  ];
}

/** podman's absolute path on PATH (systemd wants one), or plain `podman`; null as root (no namespace needed). */
async function namespacePodman(env: NodeJS.ProcessEnv): Promise<string | null> {
  if (process.getuid?.() === 0) return null;
  for (const dir of (env.PATH ?? '').split(':').filter((d) => d.startsWith('/'))) {
    const found = await access(join(dir, 'podman'), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (found) return join(dir, 'podman');
  }
  return 'podman';
}

/**
 * `phoenix-volumes-agent install`: writes the systemd user unit (validating the config first, so the
 * service does not start into a crash loop) and prints the commands that enable it. --dry-run prints it.
 */
export async function installCommand(options: InstallOptions): Promise<string> {
  const env = options.env ?? process.env;
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { config, file: configFile } = await loadConfig(
    options.config === undefined ? undefined : resolve(options.config),
    env,
  );
  const script = resolve(options.script ?? process.argv[1] ?? '');
  const unit = renderUnit({
    node: process.execPath,
    script,
    podman: options.podman === undefined ? await namespacePodman(env) : options.podman,
    configFile,
    shutdownGraceSeconds: config.backup.shutdownGrace / 1000,
  });
  const path = join(options.unitDir ?? userUnitDir(env), UNIT_NAME);
  const user = env.USER ?? env.LOGNAME ?? '$USER';
  if (options.dryRun) {
    out(`# would write ${path}:`);
    out(unit.trimEnd());
    out('# then run:');
    for (const step of nextSteps(user)) out(step);
    return unit;
  }
  await mkdir(options.unitDir ?? userUnitDir(env), { recursive: true });
  await writeFile(path, unit, { mode: 0o644 });
  const using = configFile ?? `${defaultConfigPath(env)} once you write it (defaults until then)`;
  out(`Wrote ${path} (runs ${script} with ${using}). Now run:`);
  for (const step of nextSteps(user)) out(`  ${step}`);
  return unit;
}

/** `phoenix-volumes-agent uninstall`: stops and disables the service where systemd runs, removes the unit. */
export async function uninstallCommand(options: InstallOptions): Promise<boolean> {
  const env = options.env ?? process.env;
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const path = join(options.unitDir ?? userUnitDir(env), UNIT_NAME);
  const present = await readFile(path, 'utf8').then(
    () => true,
    () => false,
  );
  if (!present) {
    out(`Nothing to do: ${path} does not exist.`);
    return false;
  }
  if (options.dryRun) {
    out(`would run: systemctl --user disable --now ${UNIT_NAME}`);
    out(`would remove ${path}`);
    return true;
  }
  const disabled = await execa('systemctl', ['--user', 'disable', '--now', UNIT_NAME], { reject: false });
  if (disabled.exitCode !== 0) {
    out(
      `note: systemctl --user disable --now ${UNIT_NAME} did not succeed (${disabled.stderr.trim() || disabled.shortMessage}); removing the unit anyway`,
    );
  }
  await rm(path, { force: true });
  out(`Removed ${path}. Run: systemctl --user daemon-reload`);
  return true;
}
