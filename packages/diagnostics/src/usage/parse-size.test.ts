import { describe, expect, it } from 'vitest';
import { parseSize } from './parse-size.ts';

describe('parseSize', () => {
  it.each([
    ['100M', 100 * 1024 ** 2],
    ['1M', 1024 ** 2],
    ['512K', 512 * 1024],
    ['1.5G', 1.5 * 1024 ** 3],
    ['2KiB', 2048],
    ['100MB', 100e6],
    ['1.077MB', 1_077_000],
    ['3.4kB', 3400],
    ['0B', 0],
    ['4096', 4096],
    [' 10 m ', 10 * 1024 ** 2],
  ])('reads %s as %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'ten', '1Mi', '1X', '-1M', '1..2M'])(
    'refuses %j with a USAGE error naming the forms',
    (text) => {
      expect(() => parseSize(text)).toThrow(
        expect.objectContaining({ code: 'USAGE', hint: expect.stringMatching(/100M/) }),
      );
    },
  );
});
