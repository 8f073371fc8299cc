// Runs the real agent binary as a user would (as the e2e user it re-runs itself inside `podman unshare`)
// and reads its JSON log: tests wait for what it logs, fetch its /metrics and /healthz, and stop it.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const agentBin = join(import.meta.dirname, '../bin/phoenix-volumes-agent.js');

/** One line of the agent's pino log. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A running agent process and what it logged so far. */
export class AgentProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number>;
  url = '';

  constructor(configFile: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [agentBin, 'run', '--config', configFile], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as LogLine);
      } catch {
        this.stderr.push(line);
      }
    });
    createInterface({ input: this.child.stderr as NodeJS.ReadableStream }).on('line', (line) =>
      this.stderr.push(line),
    );
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 0))),
    );
  }

  /** Waits for a log line matching `match`; fails with the log so far. */
  async waitForLog(match: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no such log line in ${timeoutMs} ms; log:\n${this.dump()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async started(): Promise<string> {
    const line = await this.waitForLog((l) => typeof l.url === 'string' && /^watching /.test(l.msg), 120_000);
    this.url = line.url as string;
    return this.url;
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }

  dump(): string {
    return [...this.lines.map((l) => JSON.stringify(l)), ...this.stderr].slice(-60).join('\n');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The JSON lines a command hook appended (one event each). */
export async function hookEvents(file: string): Promise<{ type: string; [key: string]: unknown }[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/** A TCP port free on 127.0.0.1 now, for `metrics.listen` (which refuses port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/**
 * Writes FILE: an agent config for the stack in CWD that backs up the logs volume every second (gzip; a
 * running backup may finish for GRACE seconds) and records every event in HOOKFILE, nothing else scheduled.
 */
export async function everySecondBackupConfig(
  file: string,
  cwd: string,
  hookFile: string,
  graceSeconds: number,
): Promise<string> {
  await writeFile(
    file,
    `stack: { compose: ${join(cwd, 'podman-compose.yaml')} }
backup: { schedule: "* * * * * *", jitter: 1ms, volumes: [logs], compression: gzip, shutdownGrace: ${graceSeconds}s }
verify: { schedule: null }
prune: { schedule: null }
checks: { schedule: null, atStart: false }
monitor: { interval: 1s, podmanEvents: true }
hooks: [{ name: record, command: [tee, -a, ${hookFile}], timeout: 10s }]
metrics: { listen: "127.0.0.1:${await freePort()}" }
`,
  );
  return file;
}
