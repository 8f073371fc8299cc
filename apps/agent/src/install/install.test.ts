import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installCommand, uninstallCommand } from '../commands/install.ts';

describe('install / uninstall', () => {
  it('writes a user unit that runs this agent with the config, and prints the linger step; uninstall removes it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'phx-install-'));
    const config = join(home, 'agent.yaml');
    writeFileSync(config, 'backup:\n  shutdownGrace: 5m\n');
    const unitDir = join(home, 'units');
    const lines: string[] = [];
    const env = { HOME: home, USER: 'alice' };
    const out = (l: string) => lines.push(l);
    await installCommand({ config, unitDir, env, script: '/opt/agent.mjs', podman: null, out });
    const unit = readFileSync(join(unitDir, 'phoenix-volumes-agent.service'), 'utf8');
    expect(unit).toContain(
      `ExecStart=${process.execPath} --max-semi-space-size=1 /opt/agent.mjs run --config ${config}\n`,
    );
    expect(unit).toContain('KillMode=mixed\n');
    // The agent exits 143 (130) once a SIGTERM (SIGINT) stop is done: a clean stop, not a failure to restart.
    expect(unit).toContain('SuccessExitStatus=130 143\n');
    expect(unit).toContain('TimeoutStopSec=330s\n');
    expect(unit).toContain('WantedBy=default.target\n');
    expect(statSync(join(unitDir, 'phoenix-volumes-agent.service')).mode & 0o777).toBe(0o644);
    expect(lines.join('\n')).toMatch(/loginctl enable-linger alice/);
    expect(lines.join('\n')).toMatch(/systemctl --user enable --now phoenix-volumes-agent\.service/);

    expect(await uninstallCommand({ unitDir, env, out: (l) => lines.push(l) })).toBe(true);
    expect(() => statSync(join(unitDir, 'phoenix-volumes-agent.service'))).toThrow(/ENOENT/);
    expect(await uninstallCommand({ unitDir, env, out: (l) => lines.push(l) })).toBe(false);
  });

  it('rootless: the unit starts Node already inside podman unshare (one Node, not two), stopped through the whole cgroup', async () => {
    const home = mkdtempSync(join(tmpdir(), 'phx-install-'));
    const lines: string[] = [];
    const env = { HOME: home, USER: 'carol' };
    const unit = await installCommand({
      dryRun: true,
      env,
      script: '/opt/agent.mjs',
      podman: '/usr/bin/podman',
      out: (l) => lines.push(l),
    });
    expect(unit).toContain(
      `ExecStart=/usr/bin/podman unshare ${process.execPath} --max-semi-space-size=1 /opt/agent.mjs run\n`,
    );
    // podman unshare passes no SIGTERM on: the agent must get systemd's own, and systemd must wait for it.
    expect(unit).toContain('KillMode=control-group\n');
  });

  it('--dry-run prints the unit and writes nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'phx-install-'));
    const lines: string[] = [];
    await installCommand({
      dryRun: true,
      env: { HOME: home, USER: 'bob' },
      script: '/a.mjs',
      podman: null,
      out: (l) => lines.push(l),
    });
    expect(lines[0]).toBe(`# would write ${home}/.config/systemd/user/phoenix-volumes-agent.service:`);
    expect(lines.join('\n')).toContain(`ExecStart=${process.execPath} --max-semi-space-size=1 /a.mjs run\n`);
    expect(() => statSync(join(home, '.config'))).toThrow(/ENOENT/);
  });
});
