// nginx as the design declares it, user "101:101", on real rootless podman as the e2e user: `setup` seeds a
// default.conf that user can serve (listen 8080, and says so), podman-compose starts it and it stays up 30 s
// answering on its published port; a `listen 80` configuration fails `nginx test` with nginx's bind error
// and `nginx deploy` refuses it before it is live. The official image cannot run as 101:101 at all (its pid
// file is root's, host notes fact 7), so the service uses a stand-in for nginx-unprivileged built here from
// the local nginx:stable (pid and temp files in /tmp, errors on stderr, access log in the logs volume).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '@phoenix-hydra/e2e/cli-harness';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUnprivilegedNginx, NGINX_UNPRIVILEGED_IMAGE } from './nginx-unprivileged.ts';

const project = `phx-ngx-${process.pid}`;
const PORT = 18000 + (process.pid % 1000);
const base = join(homedir(), '.local/share', project);
let scratch = '';
let cwd = '';

const podman = (...args: string[]) => execa('podman', args, { reject: false });
const compose = (...args: string[]) =>
  execa('podman-compose', ['-p', project, '-f', join(cwd, 'podman-compose.yaml'), ...args], {
    cwd,
    reject: false,
    all: true,
  });
const run = (args: string[]) => cli(args, { cwd });

// The design's nginx service and its two volumes, with the stand-in image and the port its user can bind.
const COMPOSE = `services:
  nginx:
    image: ${NGINX_UNPRIVILEGED_IMAGE}
    user: "101:101"
    ports:
      - "${PORT}:8080"
    volumes:
      - nginx_config:/etc/nginx/conf.d:ro,Z
      - logs:/var/log/nginx:Z
    restart: unless-stopped

volumes:
  nginx_config:
    driver: local
    driver_opts: { type: none, o: bind, device: ${base}/nginx_config }
  logs:
    driver: local
    driver_opts: { type: none, o: bind, device: ${base}/logs }
`;
const LISTEN_80 = 'server {\n    listen 80;\n    location / { return 200 "eighty\\n"; }\n}\n';

async function get(path: string): Promise<{ status: number; body: string } | null> {
  const r = await fetch(`http://127.0.0.1:${PORT}${path}`, { signal: AbortSignal.timeout(3000) }).catch(
    () => null,
  );
  return r === null ? null : { status: r.status, body: await r.text() };
}

async function removeEverything(): Promise<void> {
  await compose('down');
  for (const v of ['nginx_config', 'logs']) await podman('volume', 'rm', '-f', `${project}_${v}`);
  await execa('podman', ['unshare', 'rm', '-rf', '--one-file-system', base], { reject: false });
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'phx-ngx-'));
  await buildUnprivilegedNginx(scratch);
  cwd = join(scratch, project);
  await mkdir(cwd);
  await writeFile(join(cwd, 'podman-compose.yaml'), COMPOSE);
  await removeEverything();
});

afterAll(async () => {
  await removeEverything();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('nginx declared as user "101:101"', () => {
  it('setup seeds listen 8080 and says why; the container stays up 30 s and answers on its port', async () => {
    const setup = await run(['setup']);
    expect(setup.exitCode, setup.stderr).toBe(0);
    expect(`${setup.stdout}${setup.stderr}`).toMatch(
      /write a starter \S+\/nginx_config\/default\.conf listening on 8080: nginx runs as 101:101, which cannot bind port 80/,
    );
    expect(await readFile(join(base, 'nginx_config/default.conf'), 'utf8')).toMatch(/^\s+listen 8080;$/m);

    const up = await compose('up', '-d');
    expect(up.exitCode, up.all).toBe(0);
    await new Promise((r) => setTimeout(r, 30_000));
    const state = await podman(
      'inspect',
      '--format',
      '{{.State.Status}} {{.RestartCount}}',
      `${project}_nginx_1`,
    );
    expect(state.stdout.trim(), (await compose('logs')).all).toBe('running 0');
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });

    const test = await run(['nginx', 'test']);
    expect(test.exitCode, test.stderr).toBe(0);
    expect(test.stdout).toMatch(/valid for \S+ as 101:101$/m);
  });

  it("nginx test of a listen 80 configuration fails with nginx's bind error and the fix", async () => {
    const file = join(scratch, 'default.conf');
    await writeFile(file, LISTEN_80);
    const test = await run(['nginx', 'test', file]);
    expect(test.exitCode).toBe(1);
    expect(test.stderr).toMatch(
      /^error: nginx -t rejected .*bind\(\) to 0\.0\.0\.0:80 failed \(13: Permission denied\)/m,
    );
    expect(test.stderr).toMatch(/^hint: listen on 8080/m);
  });

  it('nginx deploy --reload refuses it before it is live: the live file and the server stay as they were', async () => {
    const file = join(scratch, 'default.conf');
    await writeFile(file, LISTEN_80);
    const live = await readFile(join(base, 'nginx_config/default.conf'), 'utf8');
    const deploy = await run(['nginx', 'deploy', file, '--reload']);
    expect(deploy.exitCode).toBe(1);
    expect(deploy.stderr).toMatch(/as 101:101, the service's user/);
    expect(deploy.stderr).toMatch(/bind\(\) to 0\.0\.0\.0:80 failed \(13: Permission denied\)/);
    expect(deploy.stderr).not.toMatch(/^swapping/m);
    expect(await readFile(join(base, 'nginx_config/default.conf'), 'utf8')).toBe(live);
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
  });
});
