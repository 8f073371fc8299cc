import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { largeCompose } from './compose-dataset.ts';
import { measureInterleaved } from './measure.ts';
import { summarizeRuns } from './report.ts';

/** Services in the compose file `config` reads: issue 16 asks for under 0.5 s at this size. */
export const CONFIG_SERVICES = 2000;

export interface ConfigResult {
  operation: 'config';
  services: number;
  composeBytes: number;
  cases: {
    tool: string;
    ours: boolean;
    seconds: number;
    cpuSeconds: number;
    peakRssMB: number | null;
    runs: number[];
  }[];
}

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/** PyYAML is what podman-compose reads compose files with (`yaml.safe_load`); skipped when missing. */
function hasPyYaml(): boolean {
  return spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;
}

/**
 * `phoenix-volumes config` on a compose file of 2,000 services (see compose-dataset.ts), against
 * reading the same file with PyYAML as podman-compose does (pure Python `safe_load`) and with
 * libyaml (`CSafeLoader`), each a whole process, alternating, `runs` times.
 */
export async function runConfigCase(
  tools: { node: string; cliBin: string; reportRss: string },
  work: string,
  runs: number,
  log: (line: string) => void,
): Promise<ConfigResult> {
  const dir = join(work, 'config');
  mkdirSync(dir, { recursive: true });
  const text = largeCompose(CONFIG_SERVICES, join(dir, 'data'));
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, text);
  const report = join(dir, 'report.json');
  const load = (loader: string) =>
    `python3 -c ${quote(`import sys, yaml; yaml.load(open(sys.argv[1]), Loader=yaml.${loader})`)} ${quote(file)}`;
  const cases = [
    {
      tool: 'phoenix-volumes config (CLI)',
      ours: true,
      script: `NODE_OPTIONS=--import=${quote(tools.reportRss)} ${quote(tools.node)} ${quote(tools.cliBin)} config --compose ${quote(file)} >/dev/null 2>&1`,
    },
    ...(hasPyYaml()
      ? [
          { tool: "PyYAML safe_load (podman-compose's parser)", ours: false, script: load('SafeLoader') },
          { tool: 'PyYAML CSafeLoader (libyaml)', ours: false, script: load('CSafeLoader') },
        ]
      : []),
  ];
  if (cases.length === 1) log('python3 with PyYAML is missing: config is timed without a peer');
  const samples = await measureInterleaved(cases, runs, {
    name: 'config',
    reportFile: report,
    digits: 2,
    log,
  });
  rmSync(dir, { recursive: true, force: true });
  return {
    operation: 'config',
    services: CONFIG_SERVICES,
    composeBytes: Buffer.byteLength(text),
    cases: cases.map((c, index) => {
      const own = samples[index] ?? [];
      return { tool: c.tool, ours: c.ours, ...summarizeRuns(own, 'median'), runs: own.map((s) => s.seconds) };
    }),
  };
}

/** The Markdown table of the config case: absolute times, and ours against each peer. */
export function configTable(result: ConfigResult): string {
  const ours = result.cases.find((c) => c.ours);
  const rows = result.cases.map((c) => {
    const ratio = ours === undefined || c.ours ? '' : `${(ours.seconds / c.seconds).toFixed(2)}x`;
    const rss = c.peakRssMB === null ? '-' : c.peakRssMB.toFixed(0);
    return `| ${c.tool} | ${c.seconds.toFixed(2)} | ${c.cpuSeconds.toFixed(2)} | ${rss} | ${ratio} |`;
  });
  return [
    `config, ${result.services.toLocaleString('en')} services (${(result.composeBytes / 1024 / 1024).toFixed(1)} MiB of compose YAML); the target is under 0.5 s`,
    '',
    '| tool | seconds | CPU seconds | peak RSS MB | ours / this |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
