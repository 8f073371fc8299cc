import { execFile } from 'node:child_process';

/**
 * Runs one of the helpers' fixed scripts with the real sh, as the container would, on a local directory
 * standing for the volume: `sh -c SCRIPT sh ROOT ARGS…` with STDIN written to it.
 */
export function runHelperScript(
  script: string,
  root: string,
  args: readonly string[],
  stdin: Uint8Array,
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(
      'sh',
      ['-c', script, 'sh', root, ...args],
      { cwd: root },
      (error, stdout, stderr) => resolve({ stdout, stderr, code: error ? Number(error.code) : 0 }),
    );
    // A script that stops (or refuses) before reading all of its stdin: EPIPE there is not a failure.
    child.stdin?.on('error', () => {});
    child.stdin?.end(stdin);
  });
}
