import { describe, expect, it } from 'vitest';
import { parseMode } from './parse-mode.ts';

describe('parseMode', () => {
  it.each([
    ['0700', 0o700],
    ['700', 0o700],
    ['0o755', 0o755],
    ['0000', 0],
    ['0777', 0o777],
    [' 0644 ', 0o644],
    [448, 0o700],
    [0, 0],
  ])('reads %j as %o', (input, mode) => {
    expect(parseMode(input)).toBe(mode);
  });

  it.each(['0800', 'abc', '', '1777', '07777', '-700', '0x1ff', 'u=rwx', 512, -1, 1.5])(
    'rejects %j',
    (input) => {
      expect(parseMode(input)).toBeUndefined();
    },
  );
});
