import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inlineBackupVersion, NODE_BUNDLE, REQUIRE_BANNER } from '../../build/src/esbuild.ts';
import { appendLogLines, updateRows } from './dataset-changes.ts';
import type { Dataset } from './datasets.ts';
import { measure } from './measure.ts';
import { median } from './report.ts';

/** One dataset's off-host figures: first backup times (ours, restic alone) and what a second one adds. */
export interface OffsiteResult {
  dataset: string;
  description: string;
  bytes: number;
  change: string;
  seconds: { ours: number; restic: number; ratio: number; runs: { ours: number[]; restic: number[] } };
  /** 1-minute load average before each timed run. */
  loads: number[];
  firstAdded: { ours: number; restic: number };
  secondAdded: { ours: number; restic: number };
  /** Wall seconds of the second backup (after the change): restic alone finds its parent by path, ours by --parent. */
  secondSeconds: { ours: number; restic: number };
}

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/** The `data_added` of restic's JSON summary line on stdout. */
function dataAdded(stdout: string): number {
  for (const line of stdout.split('\n').reverse()) {
    try {
      const parsed = JSON.parse(line) as { message_type?: string; data_added?: number; dataAdded?: number };
      if (parsed.dataAdded !== undefined) return parsed.dataAdded;
      if (parsed.message_type === 'summary' && parsed.data_added !== undefined) return parsed.data_added;
    } catch {
      // progress lines
    }
  }
  throw new Error(`no summary in restic's output: ${stdout.slice(-300)}`);
}

/**
 * offsite-child.ts bundled into `dir` as the CLI and the agent ship (one minified ES module, esbuild
 * with tooling/build's options): a start parses one file, not the TypeScript sources (~0.5 s less).
 */
async function bundleChild(dir: string): Promise<string> {
  // esbuild is tooling/build's dependency, not the bench's.
  const fromBuild = createRequire(join(import.meta.dirname, '../../build/package.json'));
  const esbuild = (await import(pathToFileURL(fromBuild.resolve('esbuild')).href)) as {
    build: (options: object) => Promise<unknown>;
  };
  const outfile = join(dir, 'offsite-child.mjs');
  await esbuild.build({
    entryPoints: [join(import.meta.dirname, 'offsite-child.ts')],
    ...NODE_BUNDLE,
    metafile: false,
    legalComments: 'none',
    outfile,
    plugins: [inlineBackupVersion],
    banner: { js: REQUIRE_BANNER },
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * Off-host backups of each dataset (a private copy): ours (offsite-child.ts, bundled: manifest staged,
 * the directory bind-mounted at trees/data and read by restic, as `backup create --repo`) against `restic backup` of the
 * same directory, each into an empty repository, alternating, `runs` times. Then the copy changes (log
 * lines appended; rows updated with the server stopped after) and one more backup of each into its
 * repository says how much the change adds after deduplication.
 */
export async function runOffsiteCase(
  datasets: Dataset[],
  tools: { node: string },
  work: string,
  runs: number,
  log: (line: string) => void,
): Promise<OffsiteResult[]> {
  // Beside the scratch directory, traversable (0711): as root the PostgreSQL server that updates rows
  // runs as the data's owner and must reach the copy.
  const dir = mkdtempSync(join(dirname(work), 'phx-bench-offsite-'));
  chmodSync(dir, 0o711);
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, 'bench-only-password\n', { mode: 0o600 });
  const cache = join(dir, 'cache');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RESTIC_PASSWORD_FILE: passwordFile,
    RESTIC_CACHE_DIR: cache,
  };
  delete env.RESTIC_REPOSITORY;
  delete env.RESTIC_PASSWORD_COMMAND;
  const resticEnv = `RESTIC_PASSWORD_FILE=${quote(passwordFile)} RESTIC_CACHE_DIR=${quote(cache)}`;
  const child = await bundleChild(dir);
  const results: OffsiteResult[] = [];
  try {
    for (const dataset of datasets) {
      const copy = join(dir, `${dataset.name}-copy`);
      execFileSync('cp', ['-a', dataset.path, copy]);
      const repos = { ours: join(dir, `${dataset.name}-ours`), restic: join(dir, `${dataset.name}-restic`) };
      const init = (repo: string) => {
        rmSync(repo, { recursive: true, force: true });
        execFileSync('restic', ['init', '-q', '--repo', repo], { env, stdio: 'ignore' });
      };
      const scripts = {
        ours: () =>
          `${resticEnv} ${quote(tools.node)} ${quote(child)} ${quote(copy)} ${quote(dir)} ${quote(repos.ours)}`,
        restic: () =>
          `cd ${quote(copy)} && ${resticEnv} restic backup --json -q --host bench --repo ${quote(repos.restic)} .`,
      };
      const samples = {
        ours: [] as { seconds: number; added: number }[],
        restic: [] as { seconds: number; added: number }[],
      };
      const loads: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        const order = run % 2 === 0 ? (['ours', 'restic'] as const) : (['restic', 'ours'] as const);
        for (const who of order) {
          init(repos[who]);
          execFileSync('sync');
          const sample = await measure(scripts[who]());
          samples[who].push({ seconds: sample.wallSeconds, added: dataAdded(sample.stdout) });
          loads.push(sample.load);
          log(`offsite ${dataset.name} run ${run + 1}/${runs} ${who}: ${sample.wallSeconds.toFixed(2)} s`);
        }
      }
      const isLogs = dataset.name.startsWith('small-');
      let change = '1,000 pgbench_accounts rows updated';
      if (isLogs) {
        const appended = appendLogLines(copy, dataset.bytes, 0.01);
        change = `${(appended / 1e6).toFixed(2)} MB of log lines appended (1%)`;
      } else updateRows(copy, 1000);
      log(`offsite ${dataset.name}: ${change}`);
      const secondRuns = { ours: await measure(scripts.ours()), restic: await measure(scripts.restic()) };
      const second = { ours: dataAdded(secondRuns.ours.stdout), restic: dataAdded(secondRuns.restic.stdout) };
      log(
        `offsite ${dataset.name} second backup: ours ${secondRuns.ours.wallSeconds.toFixed(2)} s, restic ${secondRuns.restic.wallSeconds.toFixed(2)} s`,
      );
      const ours = median(samples.ours.map((s) => s.seconds));
      const restic = median(samples.restic.map((s) => s.seconds));
      results.push({
        dataset: dataset.name,
        description: dataset.description,
        bytes: dataset.bytes,
        change,
        seconds: {
          ours,
          restic,
          ratio: ours / restic,
          runs: { ours: samples.ours.map((s) => s.seconds), restic: samples.restic.map((s) => s.seconds) },
        },
        loads,
        firstAdded: { ours: samples.ours.at(-1)?.added ?? 0, restic: samples.restic.at(-1)?.added ?? 0 },
        secondAdded: second,
        secondSeconds: { ours: secondRuns.ours.wallSeconds, restic: secondRuns.restic.wallSeconds },
      });
      rmSync(copy, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** The Markdown table: our repository backup against restic alone, and the second backup's share of the first. */
export function offsiteTable(results: OffsiteResult[]): string {
  const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
  const share = (second: number, first: number) => `${((100 * second) / first).toFixed(1)}%`;
  const rows = results.map(
    (r) =>
      `| ${r.description} (${mb(r.bytes)} MB) | ${r.seconds.ours.toFixed(2)} | ${r.seconds.restic.toFixed(2)} | ${r.seconds.ratio.toFixed(2)}x | ${mb(r.firstAdded.ours)} / ${mb(r.firstAdded.restic)} | ${r.change} | ${mb(r.secondAdded.ours)} (${share(r.secondAdded.ours, r.firstAdded.ours)}) | ${mb(r.secondAdded.restic)} (${share(r.secondAdded.restic, r.firstAdded.restic)}) | ${r.secondSeconds.ours.toFixed(2)} / ${r.secondSeconds.restic.toFixed(2)} (${(r.secondSeconds.ours / r.secondSeconds.restic).toFixed(2)}x) |`,
  );
  return [
    'off-host backup into a local restic repository: ours (layout 2: manifest staged, restic reads the tree itself) against `restic backup` of the directory; targets: ours / restic <= 1.2x, and for the logs the second backup adds <= 10% of the first',
    '',
    '| dataset | ours s | restic s | ours / restic | first backup added MB (ours / restic) | change | second added MB, ours (share of first) | restic alone (share) | second backup s, ours / restic |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
