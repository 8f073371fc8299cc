import { spawn } from 'node:child_process';
import { PhoenixError } from '@phoenix-hydra/core';

/** Runs a host tool (cp, mv, podman-compose) with an argument array; rejects with its stderr on failure. */
export function runTool(
  argv: readonly string[],
  options: { cwd?: string; signal?: AbortSignal } = {},
): Promise<string> {
  const [command, ...args] = argv;
  if (command === undefined) throw new PhoenixError('INTERNAL', 'runTool needs a command');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      out = (out + t).slice(-8192);
    });
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      err = (err + t).slice(-8192);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else {
        const why = err.trim().split('\n').at(-1) ?? '';
        reject(
          new PhoenixError('ADOPT_FAILED', `${command} failed (${signal ?? `exit code ${code}`}): ${why}`, {
            details: { argv: [...argv], stderr: err },
          }),
        );
      }
    });
  });
}
