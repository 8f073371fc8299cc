import { isPhoenixError } from '@phoenix-hydra/core';

/** Prints an error as one line plus its fix; returns the exit code it deserves (2 usage, 1 failure). */
export function reportError(error: unknown, options: { json: boolean }, stderr = process.stderr): 1 | 2 {
  if (isPhoenixError(error)) {
    if (options.json) {
      stderr.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
    } else {
      stderr.write(`error: ${error.message}\n`);
      if (error.hint) stderr.write(`hint: ${error.hint}\n`);
    }
    return error.exitCode;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr.write(`error: unexpected failure: ${message}\n`);
  stderr.write('hint: this is a bug in phoenix-volumes; please report it with the command you ran\n');
  return 1;
}
