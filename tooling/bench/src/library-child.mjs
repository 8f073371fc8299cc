// One library call in a fresh process, timed from inside: what an application using the library gets,
// without Node's start-up. Plain JavaScript, so that Node's TypeScript loader (which alone holds 20-40 MB)
// stays out of the memory measured when BENCH_BACKUP_ENTRY and BENCH_DIAGNOSTICS_ENTRY point at the
// compiled packages.
//   node library-child.mjs backup <source dir> <backup dir>
//   node library-child.mjs restore <backup dir> <backup id> <target dir>
//   node library-child.mjs scan <dir>
// Writes {callSeconds, callCpuSeconds (all threads), startRssKB, maxRssKB, ...} as JSON to the file
// named by BENCH_REPORT (stdout without it).
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [operation, ...args] = process.argv.slice(2);
const entry = (variable, name) => (process.env[variable] ? pathToFileURL(process.env[variable]).href : name);
const backupEntry = entry('BENCH_BACKUP_ENTRY', '@phoenix-hydra/backup');
const diagnosticsEntry = entry('BENCH_DIAGNOSTICS_ENTRY', '@phoenix-hydra/diagnostics');

async function timed(run) {
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

async function call() {
  if (operation === 'backup') {
    const [path, backupDir] = args;
    const { createBackup } = await import(backupEntry);
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
    const [backupDir, id, targetPath] = args;
    const { restoreBackup } = await import(backupEntry);
    return timed(async () => {
      await restoreBackup({ backupDir, id, volume: 'data', targetPath });
      return {};
    });
  }
  if (operation === 'scan') {
    const [path] = args;
    const { scanTree } = await import(diagnosticsEntry);
    return timed(async () => {
      const usage = scanTree(path);
      return { bytes: usage.bytes, files: usage.files };
    });
  }
  throw new Error(`unknown operation ${operation}`);
}

const report = { ...(await call()), maxRssKB: process.resourceUsage().maxRSS };
if (process.env.BENCH_REPORT) writeFileSync(process.env.BENCH_REPORT, JSON.stringify(report));
else process.stdout.write(`${JSON.stringify(report)}\n`);
