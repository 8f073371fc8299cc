// Footprint of an idle agent: RSS and CPU over 60 s, watching three volumes holding 30,000 files.
// `pnpm --filter @phoenix-hydra/agent bench:footprint` (or `node bench/agent-footprint.ts [--seconds N]
// [--files N] [--variant bundle|source] [--launch unit|rerun]`). Limits from the issues: idle RSS <= 60 MB, idle CPU <= 0.5 %
// of a core, and (issue 17) the proportional set size summed over the agent's whole process tree <= 100 MB.
// Prints one JSON object per variant. Total RSS includes the node binary's file-backed pages
// (bareNodeRssMb: an idle `node -e` alone); rssAnonMb is the agent's own memory; treePssMb adds every
// process the unit starts (`podman unshare` x2, Node, `podman events`, ...), listed in `processes`.
// Exits 1 when the CPU limit, the limit on the agent's own memory or the tree's PSS limit is exceeded.
// Started exactly as the systemd unit starts it (install/systemd-unit.ts unitCommand): run it as a
// rootless user to measure the rootless unit (`podman unshare node …`); as root the unit runs Node alone.
// The stack is the built-in one under a temp base directory, no containers.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { childrenOf, needsUserNamespace } from '@phoenix-hydra/podman-adapter/user-namespace';
import { unitCommand } from '../src/install/systemd-unit.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    files: { type: 'string', default: '30000' },
    variant: { type: 'string', multiple: true },
    // `rerun`: the way before issue 17, Node started outside re-running itself inside podman unshare.
    launch: { type: 'string', default: 'unit' },
  },
});
const SECONDS = Number(values.seconds);
const FILES = Number(values.files);
const LIMIT_RSS_MB = 60;
const LIMIT_TREE_PSS_MB = 100;
const LIMIT_CPU_PERCENT = 0.5;
const CLK_TCK = 100; // USER_HZ on Linux
const agentDir = join(import.meta.dirname, '..');

/** Three volumes (the built-in stack's), 30,000 small files in 100-file directories, like a logs tree. */
function makeVolumes(base: string): void {
  const volumes = ['db_data', 'nginx_config', 'logs'];
  const perVolume = Math.ceil(FILES / volumes.length);
  for (const volume of volumes) {
    for (let i = 0; i < perVolume; i++) {
      const dir = join(base, volume, `d${Math.floor(i / 100)}`);
      if (i % 100 === 0) mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `f${i}`), 'x'.repeat(100 + (i % 900)));
    }
  }
  writeFileSync(join(base, 'nginx_config', 'default.conf'), 'server { listen 80; }\n');
}

function status(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(VmRSS|RssAnon|RssFile|RssShmem|VmHWM):\s+(\d+) kB/.exec(line);
    if (m?.[1] && m[2]) out[m[1]] = Number(m[2]) / 1024;
  }
  return out;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

/** The process and all its descendants, parents first. */
function tree(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(tree)];
}

/** The node process that runs the agent: the child itself, or the one inside `podman unshare`. */
function agentPid(child: number): number {
  return (
    tree(child).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(process.execPath)) ??
    child
  );
}

/** Proportional set size (shared pages split among the processes sharing them), in MB. */
function pssMb(pid: number): number {
  const kb = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
  return Number(kb ?? 0) / 1024;
}

/** Each process of the tree with its PSS and what it runs (program and first argument). */
function treePss(root: number): { pid: number; command: string; pssMb: number }[] {
  return tree(root).map((pid) => {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const command = argv
      .slice(0, 3)
      .join(' ')
      .replace(/ --max-semi-space-size=1/, '');
    return { pid, command, pssMb: Number(pssMb(pid).toFixed(1)) };
  });
}

async function measure(variant: 'bundle' | 'source', script: string) {
  const base = mkdtempSync(join(tmpdir(), 'phx-footprint-'));
  makeVolumes(join(base, 'data'));
  const config = join(base, 'agent.yaml');
  writeFileSync(
    config,
    `stack: { project: phx-footprint, baseDir: ${join(base, 'data')} }
backup: { schedule: null, dir: ${join(base, 'backups')} }
verify: { schedule: null }
prune: { schedule: null }
checks: { schedule: null, atStart: false }
metrics: { listen: "127.0.0.1:${20000 + (process.pid % 20000)}" }
`,
  );
  // As the systemd unit runs it (install/systemd-unit.ts): inside `podman unshare` when rootless.
  const [program = '', ...args] = unitCommand({
    node: process.execPath,
    script,
    podman: needsUserNamespace() && values.launch !== 'rerun' ? 'podman' : null,
    configFile: config,
    shutdownGraceSeconds: 0,
  });
  const child = spawn(program, args, {
    env: { ...process.env, XDG_STATE_HOME: join(base, 'state') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line) as { url?: string; msg: string };
      if (parsed.url && parsed.msg.startsWith('watching')) resolve(parsed.url);
    });
    child.on('exit', (code) => reject(new Error(`agent exited ${code}`)));
  });
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const files = [...metrics.matchAll(/^phoenix_volume_files\{[^}]*\} (\d+)/gm)].reduce(
    (s, m) => s + Number(m[1]),
    0,
  );
  const pid = agentPid(child.pid ?? 0);
  await new Promise((r) => setTimeout(r, 5000)); // startup settles (first full scan, JIT)
  const ticks0 = cpuTicks(pid);
  const t0 = performance.now();
  let peak = 0;
  for (let elapsed = 0; elapsed < SECONDS; elapsed += 5) {
    await new Promise((r) => setTimeout(r, Math.min(5, SECONDS - elapsed) * 1000));
    peak = Math.max(peak, status(pid).VmRSS ?? 0);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuPercent = ((cpuTicks(pid) - ticks0) / CLK_TCK / seconds) * 100;
  const mem = status(pid);
  const processes = treePss(child.pid ?? 0);
  const treePssMb = processes.reduce((sum, p) => sum + p.pssMb, 0);
  // As systemd stops the rootless unit (KillMode=control-group): SIGTERM to every process of the tree.
  const stopped = new Promise((r) => child.on('exit', r));
  const agentExited = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (!isAlive(pid)) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
  });
  for (const p of processes) if (isAlive(p.pid)) process.kill(p.pid, 'SIGTERM');
  await Promise.all([stopped, agentExited]);
  rmSync(base, { recursive: true, force: true });
  return {
    variant,
    launch: values.launch,
    node: process.version,
    volumes: 3,
    filesWatched: files,
    seconds: Math.round(seconds),
    cpuPercentOfOneCore: Number(cpuPercent.toFixed(3)),
    rssMb: Number((mem.VmRSS ?? 0).toFixed(1)),
    peakRssMb: Number(peak.toFixed(1)),
    rssAnonMb: Number((mem.RssAnon ?? 0).toFixed(1)),
    rssFileMb: Number((mem.RssFile ?? 0).toFixed(1)),
    bareNodeRssMb: Number(bareNodeRss().toFixed(1)),
    treePssMb: Number(treePssMb.toFixed(1)),
    processes,
    ok: {
      treePss: treePssMb <= LIMIT_TREE_PSS_MB,
      rss: (mem.VmRSS ?? 0) <= LIMIT_RSS_MB,
      privateRss: (mem.RssAnon ?? 0) <= LIMIT_RSS_MB,
      cpu: cpuPercent <= LIMIT_CPU_PERCENT,
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** RSS of an idle `node -e` doing nothing: the floor every Node program starts from (mostly the binary's pages). */
function bareNodeRss(): number {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      'setTimeout(() => process.stdout.write(require("fs").readFileSync("/proc/self/status", "utf8")), 500)',
    ],
    { encoding: 'utf8' },
  );
  return Number(/VmRSS:\s+(\d+)/.exec(probe.stdout)?.[1] ?? 0) / 1024;
}

const variants = (values.variant ?? ['bundle', 'source']) as ('bundle' | 'source')[];
let failed = false;
for (const variant of variants) {
  let script = join(agentDir, 'bin', 'phoenix-volumes-agent.js');
  if (variant === 'bundle') {
    script = join(mkdtempSync(join(tmpdir(), 'phx-footprint-bundle-')), 'phoenix-volumes-agent.mjs');
    const built = spawnSync(process.execPath, [join(agentDir, 'build.ts'), '--outfile', script], {
      stdio: 'inherit',
    });
    if (built.status !== 0) process.exit(1);
  }
  const result = await measure(variant, script);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!result.ok.privateRss || !result.ok.cpu || !result.ok.treePss) failed = true;
}
process.exitCode = failed ? 1 : 0;
