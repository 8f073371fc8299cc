import { expect } from 'vitest';
import { parseConfig } from '../src/config/load-config.ts';

/** The agent's config TEXT (as /a.yaml, HOME /home/u) is refused: CONFIG_INVALID, exit 2, a message matching MESSAGE. */
export function expectConfigRefused(text: string, message: RegExp): void {
  expect(() => parseConfig('/a.yaml', text, { HOME: '/home/u' })).toThrow(
    expect.objectContaining({
      code: 'CONFIG_INVALID',
      exitCode: 2,
      message: expect.stringMatching(message),
    }),
  );
}
