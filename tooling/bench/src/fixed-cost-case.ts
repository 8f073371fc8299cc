import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2E_USER, lookupUser, testUserEnv } from '../../e2e/host.ts';
import { writeCompose } from './cases.ts';
import { measureInterleaved, type Sample } from './measure.ts';
import { summarizeRuns } from './report.ts';

/** Issue 17's targets for what every command costs whatever its data. */
export const FIXED_COST_TARGET_SECONDS = 0.15;
export const LS_TARGET_RATIO = 2;
export const PEAK_RSS_TARGET_MB = 128;

export interface FixedCostResult {
  operation: 'fixed cost';
  /** Who ran the commands: the e2e host's rootless user when the bench runs as root. */
  user: string;
  cases: { tool: string; ours: boolean; seconds: number; cpuSeconds: number; peakRssMB: number | null }[];
}

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/**
 * What a command costs on no data, as a rootless user whose volume directory is owned by a subuid (so the
 * re-run inside `podman unshare` is measured): `--version`, `backup create` of an empty volume, `ls`,
 * `check --no-probe`, against `podman volume ls`, alternating, `runs` times. As root the commands run as
 * the e2e host's user (tooling/e2e/prepare-host.sh); otherwise as the bench's own user.
 */
export async function runFixedCostCase(
  tools: { node: string; cliBin: string; reportRss: string },
  runs: number,
  log: (line: string) => void,
): Promise<FixedCostResult> {
  const user = process.getuid?.() === 0 ? lookupUser(E2E_USER) : undefined;
  if (process.getuid?.() === 0 && user === undefined)
    log(
      `fixed cost: ${E2E_USER} is missing (prepare-host.sh makes it): timed as root, without the namespace`,
    );
  const env = user === undefined ? process.env : testUserEnv(user);
  const userEnv = ['HOME', 'USER', 'LOGNAME', 'XDG_RUNTIME_DIR', 'PATH'].map(
    (k) => `${k}=${quote(env[k] ?? '')}`,
  );
  const as = (script: string) =>
    user === undefined
      ? script
      : `runuser -u ${user.name} -- env ${userEnv.join(' ')} bash -c ${quote(script)}`;
  // Not under `work` (0700, root's): the user must reach it.
  const dir = mkdtempSync(join(tmpdir(), 'phx-bench-fixed-'));
  const volume = `phx-bench-fixed-${process.pid}`;
  const data = join(dir, 'empty');
  mkdirSync(join(dir, 'backups'), { recursive: true });
  mkdirSync(data);
  if (user !== undefined) for (const d of [dir, data, join(dir, 'backups')]) chownSync(d, user.uid, user.gid);
  const podman = (args: string) => execFileSync('bash', ['-c', as(args)], { env, cwd: dir, stdio: 'pipe' });
  podman(`podman unshare chown 999:999 ${quote(data)}`);
  podman(`podman volume create --opt type=none --opt o=bind --opt device=${quote(data)} ${quote(volume)}`);
  const compose = writeCompose(dir, data, 'phx-bench-fixed', volume);
  const report = join(dir, 'report.json');
  const cli = (args: string) =>
    as(
      `BENCH_REPORT=${quote(report)} NODE_OPTIONS=--import=${quote(tools.reportRss)} ${quote(tools.node)} ${quote(tools.cliBin)} ${args} --compose ${quote(compose)} >/dev/null 2>&1; test $? -le 1`,
    );
  const cases = [
    {
      tool: 'phoenix-volumes --version',
      ours: true,
      script: as(`${quote(tools.node)} ${quote(tools.cliBin)} --version >/dev/null`),
    },
    {
      tool: 'phoenix-volumes backup create (empty volume)',
      ours: true,
      script: cli(`backup create --backup-dir ${quote(join(dir, 'backups'))}`),
    },
    { tool: 'phoenix-volumes ls', ours: true, script: cli('ls') },
    { tool: 'phoenix-volumes check --no-probe', ours: true, script: cli('check --no-probe') },
    { tool: 'podman volume ls', ours: false, script: as('podman volume ls >/dev/null') },
  ];
  let samples: Sample[][];
  try {
    samples = await measureInterleaved(cases, runs, {
      name: 'fixed cost',
      cwd: dir,
      reportFile: report,
      digits: 3,
      log,
    });
  } finally {
    podman(
      `podman volume rm -f ${quote(volume)}; podman unshare rm -rf ${quote(data)} ${quote(join(dir, 'backups'))}`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    operation: 'fixed cost',
    user: user?.name ?? (process.env.USER || 'this user'),
    cases: cases.map((c, index) => ({
      tool: c.tool,
      ours: c.ours,
      ...summarizeRuns(samples[index] ?? [], 'max'),
    })),
  };
}

/** The Markdown table: each command against its target, with `ls` against `podman volume ls`. */
export function fixedCostTable(result: FixedCostResult): string {
  const peer = result.cases.find((c) => !c.ours);
  const rows = result.cases.map((c) => {
    const isLs = c.tool === 'phoenix-volumes ls';
    const targets = [
      ...(c.ours && c.tool !== 'phoenix-volumes --version'
        ? [`≤ ${FIXED_COST_TARGET_SECONDS} s: ${c.seconds <= FIXED_COST_TARGET_SECONDS ? 'met' : 'NOT met'}`]
        : []),
      ...(isLs && peer !== undefined
        ? [
            `${(c.seconds / peer.seconds).toFixed(2)}× podman volume ls (≤ ${LS_TARGET_RATIO}×: ${c.seconds / peer.seconds <= LS_TARGET_RATIO ? 'met' : 'NOT met'})`,
          ]
        : []),
      ...(c.ours && c.peakRssMB !== null && c.peakRssMB > PEAK_RSS_TARGET_MB
        ? [`peak RSS > ${PEAK_RSS_TARGET_MB} MB`]
        : []),
    ];
    const rss = c.peakRssMB === null ? '-' : c.peakRssMB.toFixed(0);
    return `| ${c.tool} | ${c.seconds.toFixed(3)} | ${c.cpuSeconds.toFixed(2)} | ${rss} | ${targets.join('; ')} |`;
  });
  return [
    `Fixed cost of a command, no data, as ${result.user} (rootless: backup create re-runs inside podman unshare)`,
    '',
    '| command | seconds | CPU seconds | peak RSS MB | target |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
