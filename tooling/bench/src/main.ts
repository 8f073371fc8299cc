// `pnpm bench` (full) and `pnpm --filter @phoenix-hydra/bench bench:short` (CI): times our backup,
// restore and usage scan against GNU tar, zstd and du on a real PostgreSQL data directory and on many
// small files, checks that the archives round-trip, times `config` on 2,000 services against PyYAML
// (config-case.ts), times off-host backups into restic against restic alone (offsite-case.ts), prints
// Markdown tables and writes JSON.
// Options: --short, --runs N, --out FILE, --only offsite|fixed-cost|remote|backup (that case alone; backup: the two datasets'
// backup, restore and usage cases, without config, fixed cost, off-host and remote; remote also runs in full mode, never in --short), --scratch DIR (where archives and restored trees go; default
// the system's temp dir: on a tmpfs, restores measure the tools rather than the file system's journal).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { E2E_USER, lookupUser, testUserEnv } from '../../e2e/host.ts';
import { type Case, casesFor, type Tools } from './cases.ts';
import { compareTrees } from './compare-trees.ts';
import { type ConfigResult, configTable, runConfigCase } from './config-case.ts';
import { type Dataset, ensureDatasets } from './datasets.ts';
import { type FixedCostResult, fixedCostTable, runFixedCostCase } from './fixed-cost-case.ts';
import { measure } from './measure.ts';
import { type OffsiteResult, offsiteTable, runOffsiteCase } from './offsite-case.ts';
import { buildPublished } from './published-build.ts';
import { type RemoteResult, remoteTable, runRemoteCase } from './remote-case.ts';
import { type CaseMeta, type DatasetResult, median, type RunRecord, summarize, table } from './report.ts';

const HERE = import.meta.dirname;
const REPO = join(HERE, '..', '..', '..');
const DATA = join(HERE, '..', '.data');

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    runs: { type: 'string' },
    out: { type: 'string' },
    scratch: { type: 'string' },
    only: { type: 'string' },
  },
});
if (values.only !== undefined && !['offsite', 'fixed-cost', 'remote', 'backup'].includes(values.only))
  throw new Error('--only takes: offsite, fixed-cost, remote, backup');
const onlyOffsite = values.only === 'offsite';
const onlyFixedCost = values.only === 'fixed-cost';
const onlyRemote = values.only === 'remote';
const onlyBackup = values.only === 'backup';
const short = values.short ?? false;
const runs = Number(values.runs ?? (short ? 1 : 5));
const out =
  values.out ?? join(DATA, `results-${short ? 'short' : 'full'}${values.only ? `-${values.only}` : ''}.json`);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).split('\n')[0]?.trim() ?? '';
  } catch {
    return 'missing';
  }
}

for (const command of ['tar', 'zstd', 'du', 'gzip']) {
  if (!has(command))
    throw new Error(
      `${command} is missing (bash tooling/e2e/prepare-host.sh installs what the benchmark needs)`,
    );
}
const owners = process.getuid?.() === 0;
const datasets = onlyFixedCost || onlyRemote ? [] : ensureDatasets(DATA, short, log);
const work = mkdtempSync(join(values.scratch ?? tmpdir(), 'phx-bench-'));
const e2eUser = owners ? lookupUser(E2E_USER) : undefined;
// The rootless CLI case's copy lives below it: the e2e user must pass through (not list).
if (e2eUser !== undefined) chmodSync(work, 0o711);
/** The programs the cases run; builds the published form of the library into the scratch directory. */
function prepareTools(): Tools {
  log('building the libraries as published (JavaScript) for the library cases');
  // The CLI as `pnpm setup-cli` installs it: its bundle (bin runs it while it is newer than the sources).
  execFileSync(process.execPath, [join(REPO, 'apps/cli/build.ts')], { stdio: 'ignore' });
  const tools: Tools = {
    node: process.execPath,
    cliBin: join(REPO, 'apps/cli/bin/phoenix-volumes.js'),
    libraryChild: join(HERE, 'library-child.mjs'),
    entries: buildPublished(REPO, join(work, 'published')),
    reportRss: join(HERE, 'report-rss.mjs'),
    cli: has('podman'),
    // Full mode only: CI's --short stays as it is.
    ...(short || e2eUser === undefined || !has('podman')
      ? {}
      : { rootless: { name: e2eUser.name, uid: e2eUser.uid, gid: e2eUser.gid, env: testUserEnv(e2eUser) } }),
  };
  if (!tools.cli) log('podman is missing: the CLI case is skipped (the library case still runs)');
  return tools;
}
const results: DatasetResult[] = [];
let failed = false;
let config: ConfigResult | undefined;
let fixedCost: FixedCostResult | undefined;
let offsite: OffsiteResult[] | undefined;
let remote: RemoteResult | undefined;

/** Runs every case `runs` times, alternating: each run goes through all cases, in a rotated order. */
async function runDataset(dataset: Dataset, tools: Tools): Promise<DatasetResult> {
  const dir = join(work, dataset.name);
  mkdirSync(dir);
  const cases = casesFor(dataset, dir, tools);
  const series = cases.map((c) => ({
    meta: { operation: c.operation, tool: c.tool, ours: c.ours } as CaseMeta,
    runs: [] as RunRecord[],
  }));
  const report = join(dir, 'report.json');
  for (let run = 0; run < runs; run += 1) {
    // Within each operation, who goes first alternates from run to run.
    const order = (['backup', 'restore', 'usage scan'] as const).flatMap((operation) => {
      const group = cases.map((c, index) => ({ c, index })).filter(({ c }) => c.operation === operation);
      const shift = run % group.length;
      return [...group.slice(shift), ...group.slice(0, shift)];
    });
    for (const { c, index } of order) {
      await runOnce(c, report, series[index]?.runs as RunRecord[]);
      const last = series[index]?.runs.at(-1);
      log(
        `${dataset.name} run ${run + 1}/${runs} ${c.operation} ${c.tool}: ${last?.seconds.toFixed(2)} s, load ${last?.load.toFixed(2)}`,
      );
    }
  }
  const roundTrip = [
    { restoredBy: 'phoenix-volumes restore (library)', path: join(dir, 'restore-ours/data') },
    { restoredBy: 'zstd -d | tar -x of our archive', path: join(dir, 'restore-peer/data') },
  ].map(({ restoredBy, path }) => ({ restoredBy, differences: compareTrees(dataset.path, path, owners) }));
  for (const check of roundTrip) {
    if (check.differences.length === 0)
      log(`${dataset.name}: ${check.restoredBy} gives back an identical tree`);
    else {
      failed = true;
      log(
        `${dataset.name}: ${check.restoredBy} differs from the original:\n  ${check.differences.join('\n  ')}`,
      );
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return { dataset, cases: summarize(dataset, series), roundTrip };
}

/** Reads a tree or file once, so every case is timed with its input in the page cache. */
function warm(path: string): void {
  execFileSync('bash', [
    '-c',
    'if [ -d "$1" ]; then tar -C "$1" -cf - . | cat >/dev/null; else cat "$1" >/dev/null; fi',
    '-',
    path,
  ]);
}

async function runOnce(c: Case, report: string, records: RunRecord[]): Promise<void> {
  c.prepare();
  rmSync(report, { force: true });
  execFileSync('sync'); // the previous run's writes are not this run's cost
  warm(c.reads());
  const sample = await measure(c.script(report), { cwd: REPO, reportFile: report });
  records.push({
    seconds: sample.seconds,
    wallSeconds: sample.wallSeconds,
    cpuSeconds: sample.cpuSeconds,
    peakRssMB: sample.peakRssMB,
    startRssMB: typeof sample.report?.startRssKB === 'number' ? sample.report.startRssKB / 1024 : null,
    load: sample.load,
    artifactBytes: c.artifactBytes?.(sample) ?? null,
  });
}

try {
  if (onlyOffsite) {
    if (!has('restic')) throw new Error('restic is missing (apt-get install restic)');
    offsite = await runOffsiteCase(datasets, { node: process.execPath }, work, runs, log);
  }
  const tools = onlyOffsite ? undefined : prepareTools();
  if (tools) for (const dataset of datasets) results.push(await runDataset(dataset, tools));
  if (tools && onlyRemote) remote = await runRemoteCase(tools, Math.max(runs, 3), log);
  else if (onlyBackup) {
    // the datasets' cases only, run above
  } else if (tools && onlyFixedCost) {
    if (tools.cli) fixedCost = await runFixedCostCase(tools, Math.max(runs, 5), log);
  } else if (tools) {
    config = await runConfigCase(tools, work, runs, log);
    if (tools.cli) fixedCost = await runFixedCostCase(tools, Math.max(runs, 5), log);
    if (has('restic')) offsite = await runOffsiteCase(datasets, tools, work, runs, log);
    else log('restic is missing: the off-host cases are skipped (apt-get install restic)');
    // Full mode only (CI's --short stays as it is): needs root, the e2e user and podman.
    if (!short && tools.cli && owners && lookupUser(E2E_USER) !== undefined)
      remote = await runRemoteCase(tools, Math.max(runs, 3), log);
    else if (!short) log(`the remote podman case needs root, ${E2E_USER} and podman: skipped`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const loads = [
  ...results.flatMap((r) => r.cases.flatMap((c) => c.runs.map((run) => run.load))),
  ...(offsite ?? []).flatMap((o) => o.loads),
];
if (loads.length === 0) loads.push(loadavg()[0] ?? 0); // cases that record none (fixed cost): the load at the end
const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  zstd: version('zstd', ['--version']),
  tar: version('tar', ['--version']),
  kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
};
const summary = {
  mode: short ? 'short' : 'full',
  runs,
  scratch: values.scratch ?? tmpdir(),
  date: new Date().toISOString(),
  machine,
  loadAverage: { median: median(loads), min: Math.min(...loads), max: Math.max(...loads) },
  results,
  config,
  fixedCost,
  offsite,
  remote,
};
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(
  `\n${results.length === 0 ? '' : `${table(results)}\n\n`}${fixedCost === undefined ? '' : `${fixedCostTable(fixedCost)}\n\n`}${config === undefined ? '' : `${configTable(config)}\n\n`}${offsite === undefined ? '' : `${offsiteTable(offsite)}\n\n`}${remote === undefined ? '' : `${remoteTable(remote)}\n\n`}${runs} run(s) per case, alternating; medians. Load average during the runs: median ${summary.loadAverage.median.toFixed(2)} (${summary.loadAverage.min.toFixed(2)}-${summary.loadAverage.max.toFixed(2)}) on ${machine.cpus} CPUs. ` +
    'Library rows time the call inside a fresh Node process running the package as published (JavaScript); ' +
    'the CLI runs its bundle, as `pnpm setup-cli` installs it; the others are timed as whole commands. ' +
    `JSON: ${out}\n`,
);
if (failed) {
  log('an archive did not round-trip');
  process.exitCode = 1;
}
