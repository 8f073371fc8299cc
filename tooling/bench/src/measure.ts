import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';

/** One timed run of a command. */
export interface Sample {
  /** Wall time of the command, or of the measured call when the command reports one (`callSeconds`). */
  seconds: number;
  /** Wall time of the whole command. */
  wallSeconds: number;
  /** CPU time (user + system) of every process the command ran (bash's `times`), or of the measured call. */
  cpuSeconds: number;
  /** Peak resident memory: the process's own maxRSS when it reports it, else the sum of the peaks seen by polling. */
  peakRssMB: number | null;
  /** 1-minute load average just before the run: how busy the machine was. */
  load: number;
  /** What the command printed on stdout (a child's JSON report). */
  stdout: string;
}

/** What a Node child writes to its report file (see report-rss.mjs and library-child.mjs). */
export interface ChildReport {
  /** Duration and CPU time (all threads) of the measured call, when the child times one itself. */
  callSeconds?: number;
  callCpuSeconds?: number;
  /** process.resourceUsage().maxRSS at exit, and before the measured call. */
  maxRssKB?: number;
  startRssKB?: number;
  [key: string]: unknown;
}

function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

function readPeakKB(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null; // exited
  }
}

function children(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** The process tree below `pid` (not `pid` itself). */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const stack = children(pid);
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    found.push(next);
    stack.push(...children(next));
  }
  return found;
}

/** Parses the second line of bash's `times`: children's user and system time, e.g. `0m1.250s 0m0.310s`. */
function childCpu(times: string): number {
  const line = times.trim().split('\n')[1] ?? '';
  let total = 0;
  for (const [, minutes, seconds] of line.matchAll(/(\d+)m([\d.]+)s/g))
    total += Number(minutes) * 60 + Number(seconds);
  return total;
}

/**
 * Times each case's script RUNS times, interleaved (the order rotates every run, so a change in the machine's
 * load falls on every case alike), logging `NAME run I/N TOOL: S s`; returns each case's samples.
 */
export async function measureInterleaved(
  cases: readonly { tool: string; script: string }[],
  runs: number,
  options: { name: string; reportFile: string; cwd?: string; digits: number; log: (line: string) => void },
): Promise<Sample[][]> {
  const samples = cases.map((): Sample[] => []);
  for (let run = 0; run < runs; run += 1) {
    for (let step = 0; step < cases.length; step += 1) {
      const index = (step + run) % cases.length;
      const c = cases[index];
      if (c === undefined) continue;
      rmSync(options.reportFile, { force: true });
      const sample = await measure(c.script, options);
      samples[index]?.push(sample);
      options.log(
        `${options.name} run ${run + 1}/${runs} ${c.tool}: ${sample.seconds.toFixed(options.digits)} s`,
      );
    }
  }
  return samples;
}

/**
 * Runs `script` with bash (so pipelines work and `times` reports the CPU of everything it ran),
 * polling /proc every 10 ms for the peak RSS (VmHWM) of each process below it and summing them.
 * A Node child may write a ChildReport as JSON to `reportFile` (passed to it as BENCH_REPORT): its
 * exact maxRSS and its own timing then replace the polled and wall-clock ones. Rejects with the
 * command's stderr when it fails.
 */
export function measure(
  script: string,
  options: { cwd?: string; reportFile?: string } = {},
): Promise<Sample & { report: ChildReport | null }> {
  const load = loadAverage();
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('bash', ['-c', `${script}\nstatus=$?\ntimes >&3\nexit $status`], {
      cwd: options.cwd,
      env: options.reportFile ? { ...process.env, BENCH_REPORT: options.reportFile } : process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let times = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      times += chunk;
    });
    const peaks = new Map<number, number>();
    const poll = () => {
      if (child.pid === undefined) return;
      for (const pid of descendants(child.pid)) {
        const kb = readPeakKB(pid);
        if (kb !== null) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, kb));
      }
    };
    const timer = setInterval(poll, 10);
    poll();
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      clearInterval(timer);
      if (code !== 0) {
        reject(new Error(`command failed (exit ${code}): ${script}\n${stderr.trim()}`));
        return;
      }
      const polled = [...peaks.values()].reduce((sum, kb) => sum + kb, 0);
      const report = options.reportFile ? readReport(options.reportFile) : null;
      const peakKB = report?.maxRssKB ?? (polled > 0 ? polled : null);
      resolve({
        seconds: report?.callSeconds ?? seconds,
        wallSeconds: seconds,
        cpuSeconds: report?.callCpuSeconds ?? childCpu(times),
        peakRssMB: peakKB === null ? null : peakKB / 1024,
        load,
        stdout,
        report,
      });
    });
  });
}

function readReport(file: string): ChildReport | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ChildReport;
  } catch {
    return null;
  }
}
