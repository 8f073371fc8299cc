// `phoenix-volumes doctor` on real rootless podman, as the e2e user: a healthy stack gives nothing above info;
// each injected fault is reported under its id with its evidence; `doctor --fix` repairs what is safe and
// `check` passes again. Own project (phx-doctor-<pid>), own base directory, own state directory, no published port,
// so it can run beside the other e2e tests.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { cli, designCompose, remoteMode } from '@phoenix-hydra/e2e/cli-harness';
import { stackTools } from '@phoenix-hydra/e2e/stack-tools';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Unique per run: CI and developers may run this same file at the same time as the same user.
const project = `phx-doctor-${process.pid}`;
const base = join(homedir(), '.local/share', project);
let cwd = '';
let state = '';

const unshare = (args: string[], input?: string) =>
  execa('podman', ['unshare', ...args], { reject: false, ...(input === undefined ? {} : { input }) });
const { podman, compose } = stackTools(
  project,
  () => cwd,
  () => ({ XDG_STATE_HOME: state }),
);

interface Finding {
  check: string;
  volume: string | null;
  severity: 'error' | 'warning' | 'info';
  status: string;
  message: string;
  hint?: string;
  evidence?: Record<string, unknown>;
  fix?: { describe: string };
}
interface Report {
  ok: boolean;
  findings: Finding[];
  passed: string[];
  durationMs: number;
  fixes?: { check: string; ok: boolean; error?: string }[];
}

async function doctor(args: string[] = [], env: Record<string, string> = {}) {
  const r = await cli(['doctor', '--json', ...args], { cwd, env: { XDG_STATE_HOME: state, ...env } });
  if (r.stdout === '') throw new Error(`doctor printed nothing (exit ${r.exitCode}): ${r.stderr}`);
  return { exitCode: r.exitCode ?? -1, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}
/** `ID volume` of every finding above info: what a user must act on. */
const problems = (report: Report) =>
  report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.check} ${f.volume ?? '-'}`);
async function check() {
  const r = await cli(['check', '--json'], { cwd, env: { XDG_STATE_HOME: state } });
  const failed = JSON.parse(r.stdout).results.filter((x: { status: string }) => x.status === 'fail');
  return { exitCode: r.exitCode, failed };
}

beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), 'phx-doctor-state-'));
  cwd = join(await mkdtemp(join(tmpdir(), 'phx-doctor-')), project);
  await mkdir(cwd);
  // The design's compose file with its own host directories and without the published port 8080.
  const yaml = (await readFile(designCompose, 'utf8'))
    .replaceAll(/\$\{HOME\}\/\.local\/share\/phoenix-hydra/g, base)
    .replace(/\n {4}ports:\n {6}- "8080:80"/, '');
  await writeFile(join(cwd, 'podman-compose.yaml'), yaml);
  await cli(['cleanup', '--yes', '--stop'], { cwd, env: { XDG_STATE_HOME: state } }); // an interrupted run's leftovers
  const setup = await cli(['setup'], { cwd });
  expect(setup.exitCode, setup.stderr).toBe(0);
});

afterAll(async () => {
  await unshare(['umount', join(base, 'logs')]);
  await compose('down');
  await podman('network', 'rm', `${project}_default`); // podman-compose 1.0.3 down leaves it
  await cli(['cleanup', '--yes', '--stop'], { cwd, env: { XDG_STATE_HOME: state } });
  await rm(state, { recursive: true, force: true });
  await rm(join(cwd, '..'), { recursive: true, force: true });
});

describe('doctor on real rootless podman', () => {
  it('finds nothing above info on a healthy stack and exits 0', async () => {
    const { exitCode, report } = await doctor();
    expect(problems(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report.findings.map((f) => f.check)).toEqual(['PHX-BACKUP-001']); // no backup yet: info
    const human = await cli(['doctor'], { cwd, env: { XDG_STATE_HOME: state } });
    expect(human.stdout).toMatch(
      /^0 errors, 0 warnings, 1 info; \d+ of \d+ checks found nothing \(\d+\.\d s\)$/m,
    );
  });

  const saved: Record<string, string> = {};
  const conf = () => join(base, 'nginx_config/default.conf');
  // [what, inject, the finding expected, evidence expected, fixable by --fix, undo when not fixable]
  const faults: [
    string,
    () => Promise<unknown>,
    string,
    Record<string, unknown>,
    boolean,
    () => Promise<unknown>,
  ][] = [
    [
      'a wrong owner',
      () => unshare(['chown', '0:0', join(base, 'db_data')]),
      'PHX-OWNER-001 db_data',
      {
        containerOwner: '0:0',
        hostOwner: `${userInfo().uid}:${userInfo().gid}`,
        expected: '999:999',
        expectedHost: expect.stringMatching(/^999:999 \(host \d+:\d+\)$/),
      },
      true,
      async () => {},
    ],
    [
      'a wrong mode',
      () => unshare(['chmod', '0755', join(base, 'db_data')]),
      'PHX-MODE-001 db_data',
      { actual: '0755', expected: '0700' },
      true,
      async () => {},
    ],
    [
      'a missing default.conf',
      () => unshare(['rm', conf()]),
      'PHX-NGINX-001 nginx_config',
      { path: join(base, 'nginx_config/default.conf') },
      true,
      async () => {},
    ],
    [
      'an nginx syntax error',
      async () => {
        saved.conf = (await unshare(['cat', conf()])).stdout;
        await unshare(['tee', conf()], 'server {\n  listen 80;\n  location / {\n    return 200\n  }\n}\n');
      },
      'PHX-NGINX-002 nginx_config',
      { file: join(base, 'nginx_config/default.conf'), line: 5, message: 'unexpected "}"' },
      false,
      () => unshare(['tee', conf()], saved.conf),
    ],
    [
      'a non-empty db_data without PG_VERSION',
      () => unshare(['tee', join(base, 'db_data/notes.txt')], 'left over\n'),
      'PHX-PG-001 db_data',
      { entries: ['notes.txt'], count: 1 },
      false,
      () => unshare(['rm', join(base, 'db_data/notes.txt')]),
    ],
    [
      'a named volume pointing elsewhere',
      async () => {
        await podman('volume', 'rm', `${project}_logs`);
        await podman('volume', 'create', `${project}_logs`);
      },
      'PHX-VOLUME-002 logs',
      { device: null, expectedDevice: join(base, 'logs'), usedBy: [], entries: 0 },
      true,
      async () => {},
    ],
  ];

  it.each(faults)(
    'reports %s under its id with its evidence; --fix or a manual repair makes check pass',
    async (_what, inject, expected, evidence, fixable, undo) => {
      await inject();
      const { exitCode, report } = await doctor();
      expect(exitCode).toBe(1);
      // A fault that stops the service user writing also fails the write probe (PHX-PROBE-001), proof by doing.
      const probe = problems(report).filter((p) => p.startsWith('PHX-PROBE-001'));
      expect(probe).toEqual(expected.startsWith('PHX-OWNER-001') ? ['PHX-PROBE-001 db_data'] : []);
      expect(problems(report).filter((p) => !probe.includes(p))).toEqual([expected]);
      const [found] = report.findings;
      expect(found?.evidence).toMatchObject(evidence);
      expect(found?.hint).toBeTruthy();
      expect(Boolean(found?.fix)).toBe(fixable);
      if (fixable) {
        const fixed = await doctor(['--fix', '--yes']);
        expect(fixed.report.fixes).toEqual([expect.objectContaining({ check: found?.check, ok: true })]);
        expect(problems(fixed.report)).toEqual([]);
        expect(fixed.exitCode).toBe(0);
      } else {
        const none = await cli(['doctor', '--fix', '--yes'], { cwd, env: { XDG_STATE_HOME: state } });
        expect(none.stdout).toMatch(/Nothing here doctor can fix on its own/);
        await undo();
      }
      expect(await check()).toEqual({ exitCode: 0, failed: [] });
    },
  );

  it('refuses --fix without a terminal and without --yes, and changes nothing', async () => {
    await unshare(['chmod', '0750', join(base, 'db_data')]);
    const refused = await cli(['doctor', '--fix'], { cwd, env: { XDG_STATE_HOME: state } });
    const mode = (await unshare(['stat', '-c', '%a', join(base, 'db_data')])).stdout.trim();
    const repaired = await doctor(['--fix', '--yes', '--check', 'PHX-MODE-001']); // before asserting: later tests need it
    expect(refused.exitCode).toBe(2);
    // Through a remote podman (podman machine) the fix runs in a helper container: it has no podman unshare.
    const via = remoteMode ? 'a helper container' : 'podman unshare';
    expect(refused.stdout).toMatch(
      new RegExp(`\\[PHX-MODE-001\\] chmod 0700 .*db_data \\(now 0750\\) via ${via}`),
    );
    expect(refused.stderr).toMatch(/error: .* needs a confirmation, but there is no terminal to ask/);
    expect(refused.stderr).toMatch(/hint: .*pass --yes/);
    expect(mode).toBe('750');
    expect(repaired.exitCode).toBe(0);
  });

  // Through a remote podman the machine's id maps count and the client has no subuid file at all (every CLI
  // of the remote run has none): covered there by remote-podman.e2e. This is the local user's range.
  it.skipIf(remoteMode)(
    'reports a user with no subuid range (PHOENIX_SUBUID_FILE) and skips what needs the range',
    async () => {
      const file = join(state, 'subuid');
      await writeFile(file, 'someone-else:100000:65536\n');
      const { exitCode, report } = await doctor([], { PHOENIX_SUBUID_FILE: file });
      expect(exitCode).toBe(1);
      expect(problems(report)).toEqual(['PHX-SUBID-001 -']);
      expect(report.findings[0]).toMatchObject({
        evidence: { file, user: userInfo().username, uid: userInfo().uid },
        hint: `sudo usermod --add-subuids 100000-165535 ${userInfo().username} && podman system migrate`,
      });
      expect(report.findings.find((f) => f.check === 'PHX-OWNER-001')).toMatchObject({
        status: 'skip',
        message: 'not checked: your user has no subordinate id range (see PHX-SUBID-001)',
      });
    },
  );

  it('reports low space and inodes on the logs volume when it sits on a small tmpfs', async () => {
    // An unprivileged user cannot mount on the host, but may inside podman's user namespace, which is
    // where containers (and doctor's space check) see the volume; the host view keeps owner and mode.
    const logs = join(base, 'logs');
    const mounted = await unshare([
      'mount',
      '-t',
      'tmpfs',
      '-o',
      'size=8m,nr_inodes=400,mode=0755',
      'tmpfs',
      logs,
    ]);
    expect(mounted.exitCode, mounted.stderr).toBe(0);
    try {
      await unshare(['sh', '-c', 'for i in $(seq 390); do : >"$1/f$i"; done', 'sh', logs]);
      const { exitCode, report } = await doctor();
      expect(exitCode).toBe(1);
      expect(problems(report)).toEqual(['PHX-SPACE-001 logs', 'PHX-SPACE-002 logs']);
      expect(report.findings[0]?.evidence).toMatchObject({
        sizeBytes: 8 * 1024 ** 2,
        minFreeBytes: 1e9,
        seenFrom: 'podman user namespace',
      });
      expect(report.findings[1]?.evidence).toMatchObject({ files: 400 });
    } finally {
      expect((await unshare(['umount', logs])).exitCode).toBe(0);
    }
    expect(problems((await doctor()).report)).toEqual([]);
  });

  it('finds nothing above info with the stack running (mounts and users as compose says)', async () => {
    const up = await compose('up', '-d');
    expect(up.exitCode, up.all).toBe(0);
    for (let i = 0; i < 120; i++) {
      const ready = await podman('exec', `${project}_db_1`, 'pg_isready', '-h', '127.0.0.1');
      if (ready.exitCode === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const { exitCode, report } = await doctor();
    expect(problems(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report.passed).toEqual(
      expect.arrayContaining(['PHX-MOUNT-001', 'PHX-USER-001', 'PHX-PG-002', 'PHX-NGINX-002']),
    );
    // setup primed each volume as its owner, so podman's first-mount chown left nginx_config with 101:101.
    expect(report.findings.filter((f) => f.check === 'PHX-OWNER-001')).toEqual([]);
    process.stderr.write(`doctor on a healthy running stack: ${report.durationMs} ms\n`);
  });
});
