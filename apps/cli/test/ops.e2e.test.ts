// Day-to-day operations on a running rootless stack of its own (project phx-ops, port 18437, data in
// ~/.local/share/phx-ops): status against du and df, log rotation under a live writer, nginx deploys that
// are refused, applied or rolled back (HTTP proves which configuration serves), and inspect showing a
// drifted named volume. Everything it creates is removed at the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { designCompose, remoteMode } from '@phoenix-hydra/e2e/cli-harness';
import { stackTools } from '@phoenix-hydra/e2e/stack-tools';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const project = 'phx-ops';
const PORT = 18437;
const base = join(homedir(), '.local/share', project);
const state = join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local/state'), 'phoenix-hydra');
const site = `http://127.0.0.1:${PORT}`;
let cwd = '';
let scratch = '';

const { run, podman, unshare, compose, psql, waitFor } = stackTools(
  project,
  () => cwd,
  () => ({}),
);

async function get(path = '/'): Promise<string | null> {
  const response = await fetch(`${site}${path}`, { signal: AbortSignal.timeout(3000) }).catch(() => null);
  return response?.ok ? response.text() : null;
}

/** The design's compose file as project phx-ops: its own directory, data under ~/.local/share/phx-ops, its own port. */
async function opsProjectDir(): Promise<string> {
  scratch = await mkdtemp(join(tmpdir(), 'phx-ops-'));
  const dir = join(scratch, project);
  await mkdir(dir);
  const text = (await readFile(designCompose, 'utf8'))
    .replaceAll('/.local/share/phoenix-hydra/', `/.local/share/${project}/`)
    .replace('"8080:80"', `"${PORT}:80"`);
  await writeFile(join(dir, 'podman-compose.yaml'), text);
  return dir;
}

async function removeEverything(): Promise<void> {
  await compose('down');
  await run(['cleanup', '--yes', '--stop', '--no-backup']);
  // Kept configurations (.previous-*, .failed-*) live beside the volumes, so cleanup leaves the base directory.
  await unshare('rm', '-rf', '--one-file-system', base).catch(() => undefined);
  await rm(join(state, 'usage', `${project}.json`), { force: true });
  await rm(join(state, 'locks', project), { recursive: true, force: true });
}

beforeAll(async () => {
  cwd = await opsProjectDir();
  await removeEverything(); // leftovers of an interrupted run
  const setup = await run(['setup']);
  expect(setup.exitCode, setup.stderr).toBe(0);
  const up = await compose('up', '-d');
  expect(up.exitCode, up.all).toBe(0);
  await waitFor(
    'postgres',
    async () => (await podman('exec', `${project}_db_1`, 'pg_isready', '-h', '127.0.0.1')).exitCode === 0,
  );
  await waitFor('nginx', async () => (await get('/healthz')) !== null);
});

afterAll(async () => {
  await removeEverything();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

interface VolumeJson {
  name: string;
  usage: { bytes: number; files: number; via: string };
  filesystem: { sizeBytes: number; usedBytes: number; availBytes: number; files: number; filesFree: number };
  containers: { container: string; running: boolean; user: { uid: number; hostUid: number; from: string } }[];
  io?: {
    device: { virtual: boolean; name?: string };
    stats: unknown;
    growth: unknown;
    changedCount: number | null;
  };
}

function volume(status: { volumes: VolumeJson[] }, name: string): VolumeJson {
  const found = status.volumes.find((v) => v.name === name);
  if (!found) throw new Error(`no ${name} in status`);
  return found;
}

async function subuidStart(): Promise<number> {
  const me = (await execa('id', ['-un'])).stdout.trim();
  const line = (await readFile('/etc/subuid', 'utf8')).split('\n').find((l) => l.startsWith(`${me}:`));
  return Number(line?.split(':')[1]);
}

describe('status', () => {
  it('reports du -sb (inside podman unshare), the containers and their users, and df', async () => {
    const duBefore = Number((await unshare('du', '-sb', join(base, 'db_data'))).stdout.split('\t')[0]);
    const result = await run(['status', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const duAfter = Number((await unshare('du', '-sb', join(base, 'db_data'))).stdout.split('\t')[0]);
    const db = volume(JSON.parse(result.stdout), 'db_data');
    // 0700 and subuid-owned: the host user cannot read it. Through a remote podman (by design) a helper
    // container reads every volume on the machine, with the same figures.
    expect(db.usage.via).toBe(remoteMode ? 'helper' : 'user-namespace');
    const du = (duBefore + duAfter) / 2; // postgres may write meanwhile
    expect(Math.abs(db.usage.bytes - du) / du).toBeLessThan(0.01);

    expect(db.containers).toEqual([
      expect.objectContaining({
        container: `${project}_db_1`,
        running: true,
        user: expect.objectContaining({ uid: 999, hostUid: (await subuidStart()) + 998, from: 'id' }),
      }),
    ]);
    const logs = volume(JSON.parse(result.stdout), 'logs');
    expect(logs.containers[0]).toMatchObject({
      container: `${project}_nginx_1`,
      user: { uid: 0, hostUid: process.getuid?.() },
    });

    const df = (await execa('df', ['-B1', '--output=size,used,avail,itotal,iavail', join(base, 'db_data')]))
      .stdout;
    const [size, used, avail, itotal, iavail] = (df.split('\n')[1] ?? '').trim().split(/\s+/).map(Number);
    expect(db.filesystem.sizeBytes).toBe(size);
    expect(db.filesystem.files).toBe(itotal);
    // Other tests write to the same disk between the two reads.
    const slack = 0.01 * (size ?? 0);
    expect(Math.abs(db.filesystem.usedBytes - (used ?? 0))).toBeLessThan(slack);
    expect(Math.abs(db.filesystem.availBytes - (avail ?? 0))).toBeLessThan(slack);
    expect(Math.abs(db.filesystem.filesFree - (iavail ?? 0))).toBeLessThan(0.01 * (itotal ?? 0));
  });

  it('shows the same on a screen, and with --io the device counters and growth since the previous scan', async () => {
    const human = await run(['status']);
    expect(human.exitCode, human.stderr).toBe(0);
    const how = remoteMode
      ? 'read on the podman machine by a helper container'
      : 'read inside podman unshare';
    expect(human.stdout).toMatch(new RegExp(`db_data {2}database .*\n {2}used .* files \\(${how}`));
    expect(human.stdout).toMatch(new RegExp(`${project}_db_1 running as 999:999 \\(host \\d+:\\d+\\)`));

    await psql('create table grow as select g, md5(g::text) from generate_series(1, 50000) g');
    const io = await run(['status', '--io', '--json']);
    expect(io.exitCode, io.stderr).toBe(0);
    const parsed = JSON.parse(io.stdout);
    const db = volume(parsed, 'db_data');
    expect(db.io?.device.virtual).toBe(false);
    expect(db.io?.stats).toMatchObject({ readBytes: expect.any(Number), writtenBytes: expect.any(Number) });
    expect(db.io?.growth).toMatchObject({ bytesDelta: expect.any(Number), top: expect.any(Array) });
    expect(db.io?.changedCount).toBeGreaterThan(0);
    expect(parsed.containerIo).toHaveProperty('available');
    const screen = await run(['status', '--io']);
    expect(screen.stdout).toMatch(/ {2}growth {6}[+-]/);
    expect(screen.stdout).toMatch(/container block I\/O/);
  });

  it('--watch prints one JSON line per interval when stdout is not a terminal', async () => {
    const watch = await run(['status', '--watch', '1', '--count', '2']);
    expect(watch.exitCode, watch.stderr).toBe(0);
    const lines = watch.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(JSON.parse(line).project).toBe(project);
  });
});

describe('logs rotate', () => {
  let writer: ChildProcess | null = null;
  afterAll(() => writer?.kill());

  it('rotates a 50 MB log held open by a writer: the live file is small, the writer goes on, N copies kept', async () => {
    const live = join(base, 'logs/app.log');
    await writeFile(live, Buffer.alloc(50 * 1024 * 1024, 'x'));
    const script = `const fs = require('node:fs'); const fd = fs.openSync(process.argv[1], 'a'); let i = 0;
      process.stdout.write('ready\\n'); setInterval(() => fs.writeSync(fd, 'line ' + i++ + '\\n'), 10);`;
    writer = spawn(process.execPath, ['-e', script, live], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => writer?.stdout?.once('data', resolve));
    const inode = (await stat(live)).ino;

    const first = await run(['logs', 'rotate', '--max-size', '1M', '--keep', '2', '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const [report] = JSON.parse(first.stdout).volumes;
    const rotated = report.rotated.find((r: { file: string }) => r.file === 'app.log');
    expect(rotated).toMatchObject({
      method: 'copy-truncate',
      to: expect.stringMatching(/^app\.log\.\d{8}-\d{6}(-\d+)?\.zst$/),
    });
    const copy = zstdDecompressSync(await readFile(join(base, 'logs', rotated.to)));
    expect(copy.length).toBeGreaterThanOrEqual(50 * 1024 * 1024);

    const small = (await stat(live)).size;
    expect(small).toBeLessThan(1024 * 1024);
    await new Promise((r) => setTimeout(r, 500));
    const after = await stat(live);
    expect(after.ino).toBe(inode);
    expect(after.size).toBeGreaterThan(small); // the writer still writes into the live file
    expect(await readFile(live, 'utf8')).toMatch(/^line \d+\n/); // from the start: O_APPEND left no hole

    for (let i = 0; i < 2; i++) {
      await writeFile(live, Buffer.alloc(2 * 1024 * 1024, 'y'), { flag: 'a' });
      const again = await run(['logs', 'rotate', '--max-size', '1M', '--keep', '2']);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/copied\+truncated/);
    }
    const copies = (await readdir(join(base, 'logs'))).filter((n) => n.startsWith('app.log.'));
    expect(copies).toHaveLength(2);
    expect(copies.every((n) => n.endsWith('.zst'))).toBe(true);
    const idle = await run(['logs', 'rotate', '--max-size', '1M', '--keep', '2']);
    expect(idle.stdout).toMatch(/nothing above 1\.0 MB/);
  });

  it('rotates a log owned by a subordinate uid (0600, unreadable to you) inside the user namespace', async () => {
    const log = join(base, 'logs/worker.log');
    await writeFile(log, Buffer.alloc(2 * 1024 * 1024, 'w'));
    await unshare('chown', '101:101', log);
    await unshare('chmod', '0600', log);
    await expect(readFile(log)).rejects.toThrow(/EACCES/);
    const rotated = await run(['logs', 'rotate', '--max-size', '1M', '--keep', '2', '--json']);
    expect(rotated.exitCode, rotated.stderr).toBe(0);
    const [report] = JSON.parse(rotated.stdout).volumes;
    const worker = report.rotated.find((r: { file: string }) => r.file === 'worker.log');
    expect(worker).toMatchObject({ method: 'copy-truncate', bytes: 2 * 1024 * 1024 });
    const owners = await unshare('stat', '-c', '%u %a %s', log, join(base, 'logs', worker.to));
    const [live, copy] = owners.stdout.trim().split('\n');
    expect(live).toBe('101 600 0');
    expect(copy).toMatch(/^101 600 \d+$/); // the copy keeps the log's owner and mode
  });

  it('leaves alone a log hard-linked to a file outside, and quotes a name that would forge a line', async () => {
    const logs = join(base, 'logs');
    const outside = join(scratch, 'notes.txt'); // the user's file; a hard link in the volume reaches it too
    const text = Buffer.concat([Buffer.from('the user notes\n'), Buffer.alloc(2 * 1024 * 1024, 'n')]);
    await writeFile(outside, text);
    await link(outside, join(logs, 'linked.log'));
    const forged = 'evil.log\n  removed access.log (keeping 2)\nx.log';
    await writeFile(join(logs, forged), Buffer.alloc(2 * 1024 * 1024, 'e'));
    try {
      const rotated = await run(['logs', 'rotate', '--max-size', '1M', '--keep', '2']);
      expect(rotated.exitCode, rotated.stderr).toBe(0);
      expect((await readFile(outside)).equals(text)).toBe(true);
      expect(rotated.stdout).toMatch(/left alone linked\.log, which is a file with 2 hard links/);
      expect(rotated.stdout).toContain('"evil.log\\n  removed access.log (keeping 2)\\nx.log"');
      expect(rotated.stdout).not.toMatch(/^ {2}removed access\.log/m);
    } finally {
      for (const name of await readdir(logs)) {
        if (name === 'linked.log' || name.startsWith('evil.log')) await rm(join(logs, name), { force: true });
      }
    }
  });
});

describe('nginx deploy', () => {
  const OLD = /Phoenix Hydra is running/;
  const conf = (body: string, port = 80) =>
    `server {\n  listen ${port};\n  location / { default_type text/plain; return 200 "${body}\\n"; }\n  location = /healthz { return 200 "ok\\n"; }\n}\n`;

  it('refuses a configuration with a syntax error with nginx message; the old one keeps serving', async () => {
    expect(await get('/')).toMatch(OLD);
    const bad = join(scratch, 'default.conf');
    await writeFile(bad, 'server {\n  listen 80;\n  location / { return 200 "broken";\n}\n');
    const tested = await run(['nginx', 'test', bad]);
    expect(tested.exitCode).toBe(1);
    const refused = await run(['nginx', 'deploy', bad, '--reload']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      /nginx -t rejected .*default\.conf: unexpected end of file, expecting "}" in .*default\.conf:5/,
    );
    expect(refused.stderr).toMatch(/hint: .*live configuration is unchanged/);
    expect(await readFile(join(base, 'nginx_config/default.conf'), 'utf8')).toMatch(
      /Phoenix Hydra is running/,
    );
    expect(await get('/')).toMatch(OLD);
    expect((await readdir(base)).filter((n) => n.includes('.staging-'))).toEqual([]);
  });

  it('deploys a valid configuration: live after the reload', async () => {
    const good = join(scratch, 'default.conf');
    await writeFile(good, conf('version 2'));
    const deployed = await run(['nginx', 'deploy', good, '--reload']);
    expect(deployed.exitCode, deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(/reloaded phx-ops_nginx_1: new workers started, running, GET .* → 200/);
    expect(await get('/')).toBe('version 2\n');
    expect((await readdir(base)).filter((n) => n.startsWith('nginx_config.previous-'))).toHaveLength(1);
  });

  it('rolls back a configuration that passes nginx -t but breaks the site after the swap', async () => {
    // Valid syntax, so the throwaway container accepts it; but nginx then listens on 8081, not on the
    // published port 80, and the health check after the reload fails.
    const wrongPort = join(scratch, 'default.conf');
    await writeFile(wrongPort, conf('wrong port', 8081));
    const failed = await run(['nginx', 'deploy', wrongPort, '--reload']);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toMatch(
      /failed after the swap .*GET http:\/\/127\.0\.0\.1:18437\/ failed.*rolled back to the previous one, which is live again/,
    );
    expect(await get('/')).toBe('version 2\n');
    expect(await readFile(join(base, 'nginx_config/default.conf'), 'utf8')).toMatch(/version 2/);
    const kept = (await readdir(base)).filter((n) => n.startsWith('nginx_config.failed-'));
    expect(kept).toHaveLength(1);
    expect(await readFile(join(base, kept[0] ?? '', 'default.conf'), 'utf8')).toMatch(/8081/);
  });

  it('quotes a file name in the live configuration that would forge a line of output', async () => {
    const forged = join(base, 'nginx_config', 'notes\nreloaded phx-ops_nginx_1: forged');
    await unshare('touch', forged);
    try {
      const good = join(scratch, 'default.conf');
      await writeFile(good, conf('version 2'));
      const deployed = await run(['nginx', 'deploy', good]);
      expect(deployed.exitCode, deployed.stderr).toBe(0);
      expect(deployed.stdout).toContain('"notes\\nreloaded phx-ops_nginx_1: forged"');
      expect(deployed.stdout).not.toMatch(/^reloaded/m);
    } finally {
      await unshare('rm', '-f', forged);
    }
  });

  it('never hands a file outside the volume to the container user: links in the live config or the deployed dir', async () => {
    // ~/.ssh/authorized_keys stands in: a file of the user's that no volume contains.
    const keys = join(scratch, 'authorized_keys');
    await writeFile(keys, 'ssh-ed25519 AAAA user@host\n', { mode: 0o600 });
    const owner = async () => {
      const st = await stat(keys);
      return { uid: st.uid, gid: st.gid, mode: st.mode, text: await readFile(keys, 'utf8') };
    };
    const before = await owner();
    const planted = join(base, 'nginx_config/authorized_keys'); // not *.conf: nginx -t never opens it
    await unshare('ln', '-s', keys, planted); // what a container with the volume can do at any time
    try {
      const good = join(scratch, 'default.conf');
      await writeFile(good, conf('version 3'));
      const single = await run(['nginx', 'deploy', good]);
      expect(single.exitCode, single.stderr).toBe(2);
      expect(single.stderr).toMatch(
        /the live configuration .*nginx_config has authorized_keys -> .*authorized_keys that leaves the configuration directory/,
      );
      const dir = join(scratch, 'with-link');
      await mkdir(dir);
      await writeFile(join(dir, 'default.conf'), conf('version 3'));
      await symlink(keys, join(dir, 'keys'));
      const whole = await run(['nginx', 'deploy', dir]);
      expect(whole.exitCode, whole.stderr).toBe(2);
      expect(whole.stderr).toMatch(/with-link has keys -> .* leaves the configuration directory/);
      expect(await owner()).toEqual(before);
      expect(await get('/')).toBe('version 2\n');
      expect((await readdir(base)).filter((n) => n.includes('.staging-'))).toEqual([]);
    } finally {
      await unshare('rm', '-f', planted);
    }
  });
});

describe('ls and inspect', () => {
  it('lists the volumes with their containers; an unknown volume is a usage error naming the known ones', async () => {
    const ls = await run(['ls', '--json']);
    const volumes = JSON.parse(ls.stdout).volumes as { name: string; podmanVolume: { dataDir: string } }[];
    expect(volumes.map((v) => v.name)).toEqual(['db_data', 'nginx_config', 'logs']);
    expect(volumes.find((v) => v.name === 'db_data')?.podmanVolume.dataDir).toBe(join(base, 'db_data'));
    const unknown = await run(['inspect', 'db']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/no volume "db" .*known volumes: db_data, nginx_config, logs/);
  });

  it('shows a drifted named volume as a difference', async () => {
    const clean = await run(['inspect', 'db_data', '--json']);
    expect(JSON.parse(clean.stdout).differences).toEqual([]);
    expect(JSON.parse(clean.stdout).containers[0].user.id).toMatch(/uid=999\(postgres\)/);

    await compose('down');
    await podman('volume', 'rm', `${project}_db_data`);
    await podman('volume', 'create', `${project}_db_data`); // what podman-compose 1.0.3 makes: podman storage
    const drifted = await run(['inspect', 'db_data', '--json']);
    expect(drifted.exitCode).toBe(1);
    const { differences } = JSON.parse(drifted.stdout);
    expect(differences).toEqual([
      expect.objectContaining({
        field: 'podman.device',
        expected: `bound to ${join(base, 'db_data')}`,
        actual: expect.stringMatching(/volumes\/phx-ops_db_data\/_data \(podman's own storage\)$/),
      }),
    ]);
    const screen = await run(['inspect', 'db_data']);
    expect(screen.stdout).toMatch(
      /DIFF podman\.device: podman volume phx-ops_db_data keeps its data in .*_data \(podman's own storage\), not in/,
    );
    const ls = await run(['ls']);
    expect(ls.exitCode).toBe(1);
    expect(ls.stdout).toMatch(/db_data .*DIFF \(1\)/);
  });
});
