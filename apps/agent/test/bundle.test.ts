// The single-file build: what a host without pnpm or TypeScript runs. Built into a temp dir (the
// repository stays untouched) and run from there, away from node_modules.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };

describe('dist/phoenix-volumes-agent.mjs', () => {
  it('is one file that runs with nothing beside it', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'phx-agent-bundle-'));
    const outfile = join(dir, 'phoenix-volumes-agent.mjs');
    const built = spawnSync(
      process.execPath,
      [join(import.meta.dirname, '../build.ts'), '--outfile', outfile],
      {
        encoding: 'utf8',
      },
    );
    expect(built.status, built.stderr).toBe(0);
    const version = spawnSync(process.execPath, [outfile, '--version'], { cwd: dir, encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(pkg.version);
    const config = join(dir, 'agent.yaml');
    spawnSync('sh', ['-c', `printf 'backup:\\n  schedule: "0 3 * *"\\n' > ${config}`]);
    const bad = spawnSync(process.execPath, [outfile, 'check-config', '--config', config], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/agent\.yaml:2:13: backup\.schedule: not a cron pattern/);
    const unit = spawnSync(process.execPath, [outfile, 'install', '--dry-run'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, HOME: dir, USER: 'someone' },
    });
    expect(unit.status, unit.stderr).toBe(0);
    // Rootless the line starts with `podman unshare` (install.test.ts); the bundle is what it runs either way.
    const exec = unit.stdout.split('\n').find((line) => line.startsWith('ExecStart='));
    expect(exec).toContain(`${process.execPath} --max-semi-space-size=1 ${outfile} run`);
    expect(unit.stdout).toContain('loginctl enable-linger someone');
    rmSync(dir, { recursive: true, force: true });
  });
});
