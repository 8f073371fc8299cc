import { PhoenixError } from '@phoenix-hydra/core';

const POWERS: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4, p: 5 };

/**
 * Bytes from a size as people and podman write it, with coreutils' rules: `100M`, `1.5G`, `2KiB` are
 * powers of 1024; `100MB`, `1.077MB`, `3.4kB` (podman's own output) are powers of 1000; a bare
 * number is bytes. Throws USAGE for anything else, naming the accepted forms.
 */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([kmgtp]?)(i?)(b?)\s*$/i.exec(text);
  const [, number, prefix = '', binaryMark = '', byteMark = ''] = match ?? [];
  const power = POWERS[prefix.toLowerCase()];
  if (
    number === undefined ||
    power === undefined ||
    (binaryMark !== '' && (prefix === '' || byteMark === ''))
  ) {
    throw new PhoenixError('USAGE', `not a size: "${text}"`, {
      hint: 'write a number of bytes with an optional unit: 512K, 100M, 1.5G (powers of 1024), 100MB (powers of 1000)',
    });
  }
  const decimal = byteMark !== '' && binaryMark === '' && prefix !== '';
  return Math.round(Number(number) * (decimal ? 1000 : 1024) ** power);
}
