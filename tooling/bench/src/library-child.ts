// One library call in a fresh process, timed from inside: the benchmark's view of what an application
// using @phoenix-hydra/backup (or the diagnostics usage scanner) gets, without Node's start-up.
//   node library-child.ts backup <source dir> <backup dir>
//   node library-child.ts restore <backup dir> <backup id> <target dir>
//   node library-child.ts scan <dir>
// Writes {callSeconds, callCpuSeconds (all threads), startRssKB, maxRssKB, ...} as JSON to the file named by BENCH_REPORT.
import { writeFileSync } from 'node:fs';

const [operation, ...args] = process.argv.slice(2);

async function call(): Promise<Record<string, unknown>> {
  if (operation === 'backup') {
    const [path, backupDir] = args as [string, string];
    const { createBackup } = await import('@phoenix-hydra/backup');
    return timed(async () => {
      const manifest = await createBackup({
        backupDir,
        project: 'bench',
        volumes: [{ name: 'data', strategy: 'archive', path }],
        taken: 'offline',
      });
      const [volume] = manifest.volumes;
      return { id: manifest.id, artifact: volume?.artifact, artifactBytes: volume?.artifactBytes };
    });
  }
  if (operation === 'restore') {
    const [backupDir, id, targetPath] = args as [string, string, string];
    const { restoreBackup } = await import('@phoenix-hydra/backup');
    return timed(async () => {
      await restoreBackup({ backupDir, id, volume: 'data', targetPath });
      return {};
    });
  }
  if (operation === 'scan') {
    const [path] = args as [string];
    const { scanTree } = await import('@phoenix-hydra/diagnostics');
    return timed(async () => {
      const usage = scanTree(path);
      return { bytes: usage.bytes, files: usage.files };
    });
  }
  throw new Error(`unknown operation ${operation}`);
}

async function timed(run: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const startRssKB = process.resourceUsage().maxRSS;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const used = process.cpuUsage(cpu);
  return {
    ...result,
    callSeconds: (performance.now() - started) / 1000,
    callCpuSeconds: (used.user + used.system) / 1e6,
    startRssKB,
  };
}

const report = await call();
const file = process.env.BENCH_REPORT;
const full = { ...report, maxRssKB: process.resourceUsage().maxRSS };
if (file) writeFileSync(file, JSON.stringify(full));
else process.stdout.write(`${JSON.stringify(full)}\n`);
