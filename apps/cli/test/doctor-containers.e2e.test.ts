// `doctor` sees what the containers see, on real rootless podman as the e2e user: a dozen services of one
// compose file each fail for real (the condition is made, podman-compose starts them, they fail), doctor
// names each failure by its catalogue id with the log line and the fix, and `doctor --fix --yes` repairs the
// safe ones so that they stay up. The design's own services run as it says: db as 999:999, nginx as 101:101.
// Own project (phx-dc-<pid>), own base directory, no published port, so it runs beside the other e2e files.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, designCompose } from '@phoenix-hydra/e2e/cli-harness';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const project = `phx-dc-${process.pid}`;
const base = join(homedir(), '.local/share', project);
let cwd = '';
let state = '';

const podman = (...args: string[]) => execa('podman', args, { reject: false });
const unshare = (...args: string[]) => execa('podman', ['unshare', ...args], { reject: false });
const compose = (...args: string[]) =>
  execa('podman-compose', ['-f', join(cwd, 'podman-compose.yaml'), ...args], {
    cwd,
    reject: false,
    all: true,
  });
const run = (args: string[]) => cli(args, { cwd, env: { XDG_STATE_HOME: state } });
const container = (service: string) => `${project}_${service}_1`;
const dir = (volume: string) => join(base, volume);

const PG = `    image: postgres:15
    user: "999:999"
    environment:
      POSTGRES_PASSWORD: phoenix_dev_password`;
const pg = (name: string, extra = '') =>
  `  ${name}:\n${PG}\n    volumes:\n      - ${name}_data:/var/lib/postgresql/data:Z\n${extra}`;
const nginx = (name: string, user: string) =>
  `  ${name}:\n    image: nginx:stable\n${user}    volumes:\n      - ${name}_conf:/etc/nginx/conf.d:ro,Z\n`;
const volume = (name: string) =>
  `  ${name}:\n    driver: local\n    driver_opts:\n      type: none\n      o: bind\n      device: ${dir(name)}\n`;

// The extra services, each made to fail one way (db and nginx are the design's own).
const SERVICES = [
  pg('pgown'),
  pg('pgmode'),
  pg('pgver'),
  pg('pgok'),
  pg(
    'pgport',
    // Another postgres (on a copy of the data) already listens on 5432 when the service's own starts.
    `    command: ["bash", "-c", "cp -a /var/lib/postgresql/data /tmp/other && (/usr/lib/postgresql/15/bin/postgres -D /tmp/other -k /tmp &) && sleep 3 && exec docker-entrypoint.sh postgres"]\n`,
  ),
  nginx('ngxconf', ''),
  nginx('ngxup', ''),
  nginx('ngxread', '    user: "101:101"\n'),
  '  nouser:\n    image: nginx:stable\n    user: appuser\n',
  '  nomount:\n    image: nginx:stable\n    volumes:\n      - gone:/srv/data:Z\n',
  '  noimage:\n    image: localhost/phoenix-missing:1\n',
].join('');
const VOLUMES = [
  ...['pgown', 'pgmode', 'pgver', 'pgok', 'pgport'].map((s) => `${s}_data`),
  ...['ngxconf', 'ngxup', 'ngxread'].map((s) => `${s}_conf`),
  'gone',
];

// [service, catalogue id, the log line doctor must quote, fixable by --fix]
const EXPECTED: [string, string, RegExp, boolean][] = [
  [
    'db',
    'PHX-LOG-PG-001',
    // initdb writes it in pieces: a restart loop's log can hold them apart or out of order (see matchSignature).
    /initdb:.*could not access directory "\/var\/lib\/postgresql\/data": Permission denied/,
    true,
  ],
  ['pgown', 'PHX-LOG-PG-002', /data directory "\/var\/lib\/postgresql\/data" has wrong ownership/, true],
  ['pgmode', 'PHX-LOG-PG-003', /data directory "\/var\/lib\/postgresql\/data" has invalid permissions/, true],
  [
    'pgver',
    'PHX-LOG-PG-004',
    /database files are incompatible with server|initialized by PostgreSQL version 14/,
    false,
  ],
  ['pgport', 'PHX-LOG-PG-006', /could not create any TCP\/IP sockets|Address already in use/, false],
  [
    'nginx',
    'PHX-LOG-NGINX-002',
    /mkdir\(\) "\/var\/lib\/nginx\/body" failed \(13: Permission denied\)/,
    false,
  ],
  [
    'ngxconf',
    'PHX-LOG-NGINX-005',
    /unknown directive "frobnicate" in \/etc\/nginx\/conf\.d\/default\.conf:3/,
    false,
  ],
  ['ngxup', 'PHX-LOG-NGINX-004', /host not found in upstream "phoenix-app"/, false],
  [
    'ngxread',
    'PHX-LOG-NGINX-003',
    /open\(\) "\/etc\/nginx\/conf\.d\/default\.conf" failed \(13: Permission denied\)/,
    false,
  ],
  ['nouser', 'PHX-LOG-RUN-002', /unable to find user appuser: no matching entries in passwd file/, false],
  ['nomount', 'PHX-LOG-RUN-003', /special device .*\/gone does not exist/, false],
  ['noimage', 'PHX-LOG-RUN-001', /localhost\/phoenix-missing:1: not found/, false],
];

interface Finding {
  check: string;
  severity: string;
  message: string;
  hint?: string;
  evidence?: { service?: string; line?: string; state?: string; exitCode?: number };
  fix?: { describe: string };
}
interface Report {
  findings: Finding[];
  fixes?: { check: string; ok: boolean; error?: string }[];
}

async function doctor(args: string[] = []) {
  const r = await run(['doctor', '--json', ...args]);
  if (r.stdout === '') throw new Error(`doctor printed nothing (exit ${r.exitCode}): ${r.stderr}`);
  return { exitCode: r.exitCode, report: JSON.parse(r.stdout) as Report };
}

interface Inspected {
  running: boolean;
  startedAt: string;
  restarts: number;
}
async function inspect(service: string): Promise<Inspected | null> {
  const r = await podman(
    'inspect',
    container(service),
    '--format',
    '{{.State.Running}} {{.State.StartedAt}} {{.RestartCount}}',
  );
  if (r.exitCode !== 0) return null;
  const [running, startedAt = '', restarts] = r.stdout.trim().split(' ');
  return { running: running === 'true', startedAt, restarts: Number(restarts) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Initialises one data directory for real (initdb as 999:999), then copies it to the others. */
async function initialisedDataDirs(names: string[]): Promise<void> {
  const [first, ...rest] = names.map(dir);
  if (!first) return;
  const init = await podman(
    'run',
    '--rm',
    '--network',
    'none',
    '-u',
    '999:999',
    '-v',
    `${first}:/var/lib/postgresql/data`,
    '--entrypoint',
    'initdb',
    'postgres:15',
    '-D',
    '/var/lib/postgresql/data',
    '--username',
    'phoenix',
  );
  expect(init.exitCode, init.stderr).toBe(0);
  for (const d of rest) {
    expect((await unshare('sh', '-c', 'rm -rf "$2" && cp -a "$1" "$2"', 'sh', first, d)).exitCode).toBe(0);
  }
}

beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), 'phx-dc-state-'));
  cwd = join(await mkdtemp(join(tmpdir(), 'phx-dc-')), project);
  await mkdir(cwd);
  // The design's compose file as users run it (nginx as 101:101, as the design says), without the published
  // port, plus the failing services.
  const design = (await readFile(designCompose, 'utf8'))
    .replaceAll(/\$\{HOME\}\/\.local\/share\/phoenix-hydra/g, base)
    .replace(/\n {4}ports:\n {6}- "8080:80"/, '')
    .replace(/(\n {2}nginx:\n {4}image: nginx:stable\n)/, '$1    user: "101:101"\n');
  const [services, volumes] = design.split('\nvolumes:\n');
  await writeFile(
    join(cwd, 'podman-compose.yaml'),
    `${services}${SERVICES}\nvolumes:\n${volumes}${VOLUMES.map(volume).join('')}`,
  );
  const setup = await run(['setup']);
  expect(setup.exitCode, setup.stderr).toBe(0);

  // The conditions, as users make them.
  await initialisedDataDirs([
    'db_data',
    'pgown_data',
    'pgmode_data',
    'pgver_data',
    'pgok_data',
    'pgport_data',
  ]);
  // db: the design's troubleshooting advice, `chown -R $(id -u):$(id -g)`: root-owned in the container.
  await unshare('chown', '-R', '0:0', dir('db_data'));
  // pgown: restored as another user; still readable through the group.
  await unshare('chown', '1000:999', dir('pgown_data'));
  await unshare('chmod', '0750', dir('pgown_data'));
  await unshare('chmod', '0755', dir('pgmode_data'));
  await unshare('sh', '-c', 'echo 14 > "$1/PG_VERSION"', 'sh', dir('pgver_data'));
  const conf = (name: string, text: string, mode = '0644') =>
    unshare(
      'sh',
      '-c',
      'printf "%s" "$2" > "$1/default.conf" && chmod "$3" "$1/default.conf"',
      'sh',
      dir(name),
      text,
      mode,
    );
  await conf('ngxconf_conf', 'server {\n  listen 8080;\n  frobnicate on;\n}\n');
  await conf(
    'ngxup_conf',
    'server {\n  listen 8080;\n  location / { proxy_pass http://phoenix-app:3000; }\n}\n',
  );
  await conf('ngxread_conf', 'server {\n  listen 8080;\n}\n', '0600');
  await unshare('rm', '-rf', dir('gone'));

  const up = await compose('up', '-d');
  process.stderr.write(`podman-compose up: exit ${up.exitCode}\n`);
  // Let every failure happen: all but pgok down (or looping), pgport after its 4 s delay.
  for (let i = 0; i < 60; i++) {
    const states = await Promise.all(['db', 'pgown', 'pgmode', 'pgver', 'pgport', 'ngxconf'].map(inspect));
    if (states.every((s) => s !== null && (!s.running || s.restarts > 0))) break;
    if (i === 59) throw new Error(`the failures did not happen: ${JSON.stringify(states)}\n${up.all}`);
    await sleep(1000);
  }
  await podman('stop', '--time', '10', container('pgok')); // stopped by the user: info, not an error
}, 240_000);

afterAll(async () => {
  // A container its restart policy is bringing back can escape one `rm -f`: try again.
  for (let i = 0; i < 3; i++) {
    const ids = await podman('ps', '-a', '-q', '--filter', `label=io.podman.compose.project=${project}`);
    const list = ids.stdout.split('\n').filter(Boolean);
    if (list.length === 0) break;
    await podman('rm', '-f', '-v', '-t', '0', ...list);
  }
  await podman('network', 'rm', `${project}_default`);
  const volumes = await podman('volume', 'ls', '-q');
  const names = volumes.stdout.split('\n').filter((n) => n.startsWith(`${project}_`));
  if (names.length > 0) await podman('volume', 'rm', '-f', ...names);
  await unshare('rm', '-rf', base);
  await rm(state, { recursive: true, force: true });
  await rm(join(cwd, '..'), { recursive: true, force: true });
}, 120_000);

describe('doctor on failing containers (real rootless podman)', () => {
  it('names each failure by its catalogue id, with the log line and the fix, and exits 1', async () => {
    const { exitCode, report } = await doctor();
    expect(exitCode).toBe(1);
    for (const [service, id, line] of EXPECTED) {
      const f = report.findings.find(
        (x) => x.evidence?.service === service && x.check.startsWith('PHX-LOG-'),
      );
      expect({ service, check: f?.check, line: f?.evidence?.line }).toEqual({
        service,
        check: id,
        line: expect.stringMatching(line),
      });
      expect(f?.severity).toBe('error');
      expect(f?.hint, service).toBeTruthy();
    }
    const stopped = report.findings.find((f) => f.evidence?.service === 'pgok');
    expect(stopped).toMatchObject({ check: 'PHX-SVC-006', severity: 'info' });
    const human = await run(['doctor']);
    expect(human.stdout).toMatch(/PHX-LOG-PG-001 {2}db_data: PostgreSQL cannot use its data directory/);
    expect(human.stdout).toMatch(
      /fix: podman unshare chown -R 999:999 .*db_data; podman start .*_db_1.*\(doctor --fix does this\)/,
    );
  });

  it('status --json carries each service state', async () => {
    const r = await run(['status', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const services = (
      JSON.parse(r.stdout) as { services: { service: string; state: string; exitCode: number | null }[] }
    ).services;
    const of = (name: string) => services.find((s) => s.service === name);
    expect(of('pgmode')).toMatchObject({ state: 'exited', exitCode: 1 });
    expect(of('pgok')).toMatchObject({ state: 'stopped' });
    expect(of('nouser')).toMatchObject({ state: 'created', exitCode: null });
    expect(of('noimage')).toMatchObject({ state: 'not-created' });
    expect(['restarting', 'exited', 'running']).toContain(of('nginx')?.state); // the design's restart policy loops it
  });

  it('doctor --list prints every id it reported', async () => {
    const list = await run(['doctor', '--list']);
    for (const [, id] of EXPECTED) expect(list.stdout).toContain(id);
    expect(list.stdout).toContain('PHX-SVC-006');
  });

  it('doctor --fix --yes repairs the fixable ones and they stay up for 30 s', async () => {
    const fixable = EXPECTED.filter(([, , , f]) => f).map(([s]) => s);
    const { report } = await doctor(['--fix', '--yes']);
    const before = (report as { before?: Report }).before?.findings ?? [];
    const offered = fixable.map((service) => {
      const f = before.find((x) => x.evidence?.service === service && x.check.startsWith('PHX-LOG-'));
      return { service, check: f?.check, state: f?.evidence?.state, fix: f?.fix?.describe };
    });
    expect(offered).toEqual(
      fixable.map((service) =>
        expect.objectContaining({ service, fix: expect.stringMatching(/then podman start/) }),
      ),
    );
    expect(report.fixes?.filter((f) => !f.ok)).toEqual([]);
    const up = await Promise.all(fixable.map(inspect));
    expect(up.map((s) => s?.running)).toEqual(fixable.map(() => true));
    await sleep(30_000);
    const later = await Promise.all(fixable.map(inspect));
    expect(later).toEqual(up); // still running, never restarted
    const after = await doctor();
    for (const service of fixable) {
      expect(
        after.report.findings.filter((f) => f.evidence?.service === service && f.severity === 'error'),
      ).toEqual([]);
    }
  }, 180_000);
});
