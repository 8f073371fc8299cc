import { describe, expect, it } from 'vitest';
import { expandHome } from './expand-home.ts';

describe('expandHome', () => {
  it('expands ~ and ~/ only', () => {
    expect(expandHome('~', '/home/ana')).toBe('/home/ana');
    expect(expandHome('~/data/db', '/home/ana')).toBe('/home/ana/data/db');
    expect(expandHome('~bob/data', '/home/ana')).toBe('~bob/data');
    expect(expandHome('/srv/~/x', '/home/ana')).toBe('/srv/~/x');
    expect(expandHome('./data', '/home/ana')).toBe('./data');
  });
});
