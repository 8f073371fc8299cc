import { describe, expect, it } from 'vitest';
import { printableName } from './printable-name.ts';

describe('printableName', () => {
  it('leaves plain names alone, spaces and non-ASCII letters included', () => {
    expect(printableName('site/access log.ünïcode')).toBe('site/access log.ünïcode');
  });

  it('quotes a name with a newline, an escape or a bidi override so it cannot forge a line of output', () => {
    expect(printableName('a.log\n  removed b.log (keeping 5)')).toBe('"a.log\\n  removed b.log (keeping 5)"');
    expect(printableName('x\u001b[31m.log')).toBe('"x\\u{1b}[31m.log"');
    expect(printableName('gol.\u202eexe.log')).toBe('"gol.\\u{202e}exe.log"');
    expect(printableName('a"\\\n')).toBe('"a\\"\\\\\\n"');
  });
});
