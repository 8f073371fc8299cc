import { isAbsolute, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seeded } from '../../../tooling/fuzz/mutate.ts';
import { isInside, pathsOverlap } from './is-inside.ts';

describe('isInside', () => {
  it('is true for paths strictly below the base', () => {
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b/', '/a/b/c/d')).toBe(true);
    expect(isInside('/a/b', '/a/b/..c')).toBe(true);
  });

  it('compares segments, not string prefixes', () => {
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a/b')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
    expect(isInside('/a/b', '/a/b/../c')).toBe(false);
    expect(isInside('/a/b', '/x/a/b/c')).toBe(false);
  });
});

describe('isInside on normal paths (the shortcut without resolve)', () => {
  it('agrees with the resolve/relative rule on 20,000 seeded paths', () => {
    const reference = (base: string, path: string) => {
      const rel = relative(resolve(base), resolve(path));
      return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
    };
    const random = seeded(20_261_128);
    const parts = ['', '.', '..', 'a', 'b', 'ab', '.a', 'a.', 'a b', 'é'];
    const path = () => {
      const length = Math.floor(random() * 5);
      const segments = Array.from({ length }, () => parts[Math.floor(random() * parts.length)]);
      return `${random() < 0.9 ? '/' : ''}${segments.join('/')}${random() < 0.1 ? '/' : ''}`;
    };
    for (let run = 0; run < 20_000; run += 1) {
      const base = path();
      const inside = random() < 0.5 ? `${base}/${path()}` : path();
      expect(isInside(base, inside), `${base} ${inside}`).toBe(reference(base, inside));
    }
  });
});

describe('pathsOverlap', () => {
  it('is true for the same directory or nesting either way', () => {
    expect(pathsOverlap('/a/b', '/a/b/')).toBe(true);
    expect(pathsOverlap('/a/b', '/a/b/c')).toBe(true);
    expect(pathsOverlap('/a/b/c', '/a/b')).toBe(true);
    expect(pathsOverlap('/a/b', '/a/bc')).toBe(false);
  });
});
