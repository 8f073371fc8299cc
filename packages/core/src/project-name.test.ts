import type { PhoenixError } from '@phoenix-hydra/errors';
import { describe, expect, it } from 'vitest';
import { normalizeProjectName, resolveProjectName } from './project-name.ts';

describe('normalizeProjectName', () => {
  it('lowercases and drops what compose drops', () => {
    expect(normalizeProjectName('Phoenix-Hydra')).toBe('phoenix-hydra');
    expect(normalizeProjectName('My Stack.v2!')).toBe('mystackv2');
    expect(normalizeProjectName('_-leading')).toBe('leading');
    expect(normalizeProjectName('...')).toBe('');
  });
});

describe('resolveProjectName', () => {
  const full = {
    option: 'from-option',
    env: { COMPOSE_PROJECT_NAME: 'from-env' },
    composeName: 'from-name',
    xPhoenixProject: 'from-x',
    composeDir: '/home/ana/Phoenix Hydra',
  };

  it('follows option > COMPOSE_PROJECT_NAME > name: > x-phoenix.project > directory', () => {
    expect(resolveProjectName(full)).toMatchObject({ project: 'from-option', source: 'option' });
    expect(resolveProjectName({ ...full, option: undefined })).toMatchObject({
      project: 'from-env',
      source: 'env',
    });
    expect(resolveProjectName({ ...full, option: undefined, env: {} })).toMatchObject({
      project: 'from-name',
      source: 'compose-name',
    });
    expect(resolveProjectName({ ...full, option: undefined, env: {}, composeName: undefined })).toMatchObject(
      {
        project: 'from-x',
        source: 'x-phoenix',
      },
    );
    expect(
      resolveProjectName({
        ...full,
        option: undefined,
        env: {},
        composeName: undefined,
        xPhoenixProject: undefined,
      }),
    ).toEqual({ project: 'phoenixhydra', source: 'directory', warnings: [] });
  });

  it('ignores empty values, as compose does', () => {
    expect(
      resolveProjectName({ ...full, option: '', env: { COMPOSE_PROJECT_NAME: '' }, composeName: '' }).project,
    ).toBe('from-x');
  });

  it('warns when x-phoenix.project differs from what podman-compose will use', () => {
    const { warnings } = resolveProjectName({
      env: {},
      xPhoenixProject: 'hydra',
      composeDir: '/srv/phoenix-hydra',
    });
    expect(warnings).toEqual([
      'x-phoenix.project "hydra" is not seen by podman-compose, which will use "phoenix-hydra"; add name: hydra at the top of the compose file so both agree',
    ]);
    expect(
      resolveProjectName({ env: {}, xPhoenixProject: 'phoenix-hydra', composeDir: '/srv/phoenix-hydra' })
        .warnings,
    ).toEqual([]);
  });

  it('gives the built-in stack phoenix-hydra unless told otherwise', () => {
    expect(resolveProjectName({ env: {} })).toEqual({
      project: 'phoenix-hydra',
      source: 'default',
      warnings: [],
    });
    expect(resolveProjectName({ env: { COMPOSE_PROJECT_NAME: 'other' } }).project).toBe('other');
    expect(resolveProjectName({ option: 'mine', env: {} }).project).toBe('mine');
  });

  it.each([
    [{ option: 'Bad Name', env: {} }, 'USAGE', /from --project/],
    [{ env: { COMPOSE_PROJECT_NAME: 'UPPER' } }, 'USAGE', /from COMPOSE_PROJECT_NAME/],
    [{ env: {}, composeName: '-x', composeDir: '/a' }, 'COMPOSE_INVALID', /from name: in the compose file/],
    [{ env: {}, composeDir: '/srv/...' }, 'COMPOSE_INVALID', /cannot derive a project name/],
  ])('rejects invalid explicit names rather than normalising them (%#)', (input, code, message) => {
    let error: PhoenixError | undefined;
    try {
      resolveProjectName(input);
    } catch (caught) {
      error = caught as PhoenixError;
    }
    expect(error?.code).toBe(code);
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(message);
    expect(error?.hint).toBeTruthy();
  });
});
