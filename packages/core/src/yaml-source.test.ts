import type { PhoenixError } from '@phoenix-hydra/errors';
import { describe, expect, it } from 'vitest';
import { formatPath, locate, parseYaml, rawScalar } from './yaml-source.ts';

describe('formatPath', () => {
  it('writes paths as users read them', () => {
    expect(formatPath(['services', 'db', 'volumes', 0])).toBe('services.db.volumes[0]');
    expect(formatPath(['volumes', 'db_data', 'x-phoenix', 'mode'])).toBe('volumes.db_data.x-phoenix.mode');
    expect(formatPath(['volumes', 'my.vol'])).toBe('volumes["my.vol"]');
    expect(formatPath([])).toBe('');
  });
});

describe('parseYaml', () => {
  it('reports malformed YAML as COMPOSE_YAML with file:line:col on one line', () => {
    let error: PhoenixError | undefined;
    try {
      parseYaml('/p/compose.yaml', 'services:\n  db:\n    image: [postgres\n  nginx: {}\n');
    } catch (caught) {
      error = caught as PhoenixError;
    }
    expect(error?.code).toBe('COMPOSE_YAML');
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/^\/p\/compose\.yaml:\d+:\d+: \S.*/);
    expect(error?.message).not.toContain('\n');
    expect(error?.hint).toMatch(/^fix the YAML syntax at line \d+ of \/p\/compose\.yaml$/);
    expect(error?.details).toMatchObject({ file: '/p/compose.yaml' });
  });

  it('points at a duplicate key', () => {
    expect(() => parseYaml('/p/c.yaml', 'a: 1\nb: 2\na: 3\n')).toThrow(/^\/p\/c\.yaml:3:1: /);
  });

  it('locates values, falling back to the nearest ancestor', () => {
    const { source } = parseYaml('/p/c.yaml', 'services:\n  db:\n    volumes:\n      - a:/b\n      - c:/d\n');
    expect(locate(source, ['services', 'db', 'volumes', 1])).toEqual({ line: 5, col: 9 });
    expect(locate(source, ['services', 'db', 'volumes', 7])).toEqual({ line: 4, col: 7 });
    expect(locate(source, ['nothing'])).toEqual({ line: 1, col: 1 });
  });

  it('keeps scalars as written and resolves merge keys', () => {
    const { data, source } = parseYaml('/p/c.yaml', 'x: &x {a: 1}\ny:\n  <<: *x\n  mode: 0700\n');
    expect(data).toEqual({ x: { a: 1 }, y: { a: 1, mode: 700 } });
    expect(rawScalar(source, ['y', 'mode'])).toBe('0700');
  });
});
