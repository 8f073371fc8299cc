import { describe, expect, it } from 'vitest';
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

describe('pathsOverlap', () => {
  it('is true for the same directory or nesting either way', () => {
    expect(pathsOverlap('/a/b', '/a/b/')).toBe(true);
    expect(pathsOverlap('/a/b', '/a/b/c')).toBe(true);
    expect(pathsOverlap('/a/b/c', '/a/b')).toBe(true);
    expect(pathsOverlap('/a/b', '/a/bc')).toBe(false);
  });
});
