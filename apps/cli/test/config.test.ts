import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, designProjectDir } from '@phoenix-hydra/e2e/cli-harness';
import { describe, expect, it } from 'vitest';

async function composeDir(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'phx-config-'));
  await writeFile(join(dir, 'compose.yaml'), text);
  return dir;
}

describe('phoenix-volumes config', () => {
  it('prints the built-in stack when no compose file is present', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'phx-empty-'));
    const result = await cli(['config', '--json'], { cwd, env: { HOME: '/home/alice', XDG_DATA_HOME: '' } });
    expect(result.exitCode).toBe(0);
    const { source, stack } = JSON.parse(result.stdout);
    expect(source).toBe('default');
    expect(stack.project).toBe('phoenix-hydra');
    expect(stack.baseDir).toBe('/home/alice/.local/share/phoenix-hydra');
    const db = stack.volumes.find((v: { name: string }) => v.name === 'db_data');
    expect(db).toMatchObject({
      mode: 0o700,
      owner: { uid: 999, gid: 999 },
      selinux: 'Z',
      backup: 'postgres-logical',
    });
    const conf = stack.volumes.find((v: { name: string }) => v.name === 'nginx_config');
    expect(conf).toMatchObject({ mode: 0o755, owner: { uid: 101, gid: 101 }, readOnly: true });
  });

  it("parses the original design's compose file", async () => {
    const cwd = await designProjectDir();
    const result = await cli(['config', '--json'], { cwd, env: { HOME: '/home/alice' } });
    expect(result.exitCode).toBe(0);
    const { source, stack } = JSON.parse(result.stdout);
    expect(source).toBe('compose');
    expect(stack.project).toBe('phoenix-hydra');
    expect(stack.volumes.map((v: { name: string; hostPath: string }) => [v.name, v.hostPath])).toEqual([
      ['db_data', '/home/alice/.local/share/phoenix-hydra/db_data'],
      ['nginx_config', '/home/alice/.local/share/phoenix-hydra/nginx_config'],
      ['logs', '/home/alice/.local/share/phoenix-hydra/logs'],
    ]);
  });

  it('prints a readable table by default', async () => {
    const cwd = await designProjectDir();
    const result = await cli(['config'], { cwd, env: { HOME: '/home/alice' } });
    expect(result.stdout).toMatch(
      /db_data\s+database\s+\/home\/alice\/\.local\/share\/phoenix-hydra\/db_data\s+\/var\/lib\/postgresql\/data\s+0700\s+999:999/,
    );
  });

  const bad: [string, string, RegExp][] = [
    ['malformed YAML', 'services:\n  db:\n    image: [postgres\n', /compose\.yaml:\d+:\d+/],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, not a JS template
    ['an unset required variable', 'services:\n  db:\n    image: ${PG_IMAGE:?set PG_IMAGE}\n', /PG_IMAGE/],
    [
      'a host path outside the base directory',
      'services:\n  db:\n    image: postgres:15\n    volumes: [data:/d]\nvolumes:\n  data:\n    driver_opts: { type: none, o: bind, device: /etc/elsewhere }\nx-phoenix:\n  baseDir: /srv/phx\n',
      /outside/,
    ],
    [
      'two volumes on one path',
      'services:\n  db:\n    image: postgres:15\n    volumes: [a:/a, b:/b]\nvolumes:\n  a:\n    driver_opts: { type: none, o: bind, device: /srv/phx/same }\n  b:\n    driver_opts: { type: none, o: bind, device: /srv/phx/same }\nx-phoenix:\n  baseDir: /srv/phx\n',
      /same|overlap|both/i,
    ],
    [
      'an invalid mode',
      'services:\n  db:\n    image: postgres:15\n    volumes: [a:/a]\nvolumes:\n  a:\n    x-phoenix: { mode: "0800" }\n',
      /0800/,
    ],
    [
      'an unknown x-phoenix key',
      'services:\n  db:\n    image: postgres:15\n    volumes: [a:/a]\nvolumes:\n  a:\n    x-phoenix: { owner: "999:999", colour: blue }\n',
      /colour/,
    ],
  ];
  it.each(bad)('exits 2 with one line and a hint for %s', async (_what, text, pattern) => {
    const cwd = await composeDir(text);
    const result = await cli(['config'], { cwd, env: { HOME: '/home/alice' } });
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(pattern);
    expect(lines[1]).toMatch(/^hint: \S/);
    expect(lines).toHaveLength(2);
  });
});
