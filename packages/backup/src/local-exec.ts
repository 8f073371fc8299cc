import { spawn } from 'node:child_process';
import type { Exec } from './types.ts';

const STDERR_LIMIT = 8192;

/**
 * An {@link Exec} that runs commands on this machine (e.g. a host PostgreSQL's pg_dump). The podman
 * adapter provides the one that runs inside containers; the `container` option is ignored here.
 */
export const localExec: Exec = (argv, options) => {
  const [command, ...args] = argv;
  if (command === undefined) throw new TypeError('localExec needs a command');
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const { stdout, stderr: errors } = child;
  if (!stdout || !errors) throw new Error('spawn gave no stdout/stderr pipes');
  let stderr = '';
  errors.setEncoding('utf8');
  errors.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_LIMIT);
  });
  if (options.stdin && child.stdin) {
    options.stdin.pipe(child.stdin);
    // A command that exits without reading all of stdin must not crash us with EPIPE.
    child.stdin.on('error', () => {});
  }
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${signal ?? `exit code ${code}`}): ${stderr.trim()}`));
    });
  });
  return { stdout, done };
};
