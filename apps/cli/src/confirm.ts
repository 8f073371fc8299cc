import { createInterface } from 'node:readline/promises';
import { PhoenixError } from '@phoenix-hydra/core';

/** Asks on the terminal; without one, refuses with the flag that confirms in scripts. */
export async function askOnTerminal(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new PhoenixError(
      'USAGE',
      'this command changes data and needs a confirmation, but there is no terminal to ask',
      {
        hint: 'run it in a terminal, or pass --yes to confirm in a script',
      },
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
