import { listBackups } from '@phoenix-hydra/backup';
import { defaultBackupDir, PhoenixError, stateDir } from '@phoenix-hydra/core';
import {
  type BackupRef,
  collectStatus,
  parseSize,
  readUserNamespace,
  type StackStatus,
  usageHistoryPath,
} from '@phoenix-hydra/diagnostics';
import { type CommandIO, openStack } from '../context.ts';
import { interruptSignal } from '../interrupt.ts';
import { terminalLine } from '../printable-name.ts';
import { renderStatus } from '../render-status.ts';
import type { StackOptions } from '../stack-options.ts';

export interface StatusCommandOptions extends StackOptions, CommandIO {
  json?: boolean;
  io?: boolean;
  /** true: every 5 s; a string: every that many seconds. */
  watch?: boolean | string;
  /** Stop after this many updates (with --watch). */
  count?: number;
  /** Size cap of logs volumes (default 1 GiB). */
  logsCap?: string;
  backupDir?: string;
  /** Stops --watch (SIGINT/SIGTERM by default). */
  signal?: AbortSignal;
}

/** The default `--watch` interval, as the design's `watch -n 5`. */
export const DEFAULT_WATCH_SECONDS = 5;

async function backupRefs(dir: string, warn: (line: string) => void): Promise<BackupRef[]> {
  try {
    return (await listBackups(dir)).flatMap((b) =>
      b.status === 'ok'
        ? [
            {
              id: b.id,
              createdAt: b.manifest.createdAt,
              project: b.manifest.project,
              volumes: b.manifest.volumes.map((v) => v.name),
            },
          ]
        : [],
    );
  } catch (error) {
    warn(`warning: cannot list backups in ${dir}: ${(error as Error).message}`);
    return [];
  }
}

function watchSeconds(watch: true | string): number {
  if (watch === true) return DEFAULT_WATCH_SECONDS;
  const seconds = Number(watch);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new PhoenixError('USAGE', `--watch takes a number of seconds, not "${watch}"`, {
      hint: 'phoenix-volumes status --watch 5',
    });
  }
  return seconds;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * `phoenix-volumes status`: per volume its usage, filesystem, threshold, containers and users, newest
 * backup; `--io` adds device counters, per-container block I/O and growth. `--watch` redraws in place on a
 * terminal and prints one JSON line per interval otherwise. Exit 0 (thresholds warn, they do not fail).
 */
export async function statusCommand(options: StatusCommandOptions): Promise<number> {
  const { stack, podman, out, err, stdout } = await openStack(options);
  const logsMaxBytes = options.logsCap === undefined ? undefined : parseSize(options.logsCap);
  const namespace = await readUserNamespace({ podman });
  const collect = async (): Promise<StackStatus> =>
    collectStatus(stack, podman, {
      historyPath: usageHistoryPath(stateDir(), stack.project),
      backups: await backupRefs(options.backupDir ?? defaultBackupDir(), err),
      io: options.io === true,
      namespace,
      ...(logsMaxBytes === undefined ? {} : { thresholds: { logsMaxBytes } }),
    });
  if (!options.watch) {
    const status = await collect();
    out(options.json ? JSON.stringify(status, null, 2) : safeLines(renderStatus(status)));
    return 0;
  }
  const seconds = watchSeconds(options.watch);
  const tty = (stdout as { isTTY?: boolean }).isTTY === true && !options.json;
  const { signal, dispose } = options.signal
    ? { signal: options.signal, dispose: () => undefined }
    : interruptSignal({ quiet: true });
  try {
    for (let n = 1; !signal.aborted; n++) {
      const status = await collect();
      if (tty) {
        // Like watch(1): home the cursor, clear the screen, a header line, the report.
        stdout.write(`\x1b[H\x1b[2J`);
        out(`Every ${seconds} s: phoenix-volumes status${options.io ? ' --io' : ''}    (Ctrl-C to stop)\n`);
        out(safeLines(renderStatus(status)));
      } else {
        out(JSON.stringify(status));
      }
      if (options.count !== undefined && n >= options.count) break;
      await sleep(seconds * 1000, signal);
    }
  } finally {
    dispose();
  }
  return 0;
}

/** Status quotes service states and reasons a container may have written: each line made terminal-safe. */
function safeLines(text: string): string {
  return text.split('\n').map(terminalLine).join('\n');
}
