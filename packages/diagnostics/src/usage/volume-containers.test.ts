import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/doctor-fakes.ts';
import { parseConfigUser, parseIdOutput } from './volume-containers.ts';

describe('container users', () => {
  it('reads `id` as run in the postgres and nginx containers', () => {
    expect(parseIdOutput(fixture('exec-id-postgres.txt'))).toEqual({ uid: 999, gid: 999 });
    expect(parseIdOutput(fixture('exec-id-nginx.txt'))).toEqual({ uid: 0, gid: 0 });
    expect(parseIdOutput('id: cannot find name')).toBeNull();
  });

  it('reads numeric Config.User values and leaves names to the image', () => {
    expect(parseConfigUser('999:999')).toEqual({ uid: 999, gid: 999 });
    expect(parseConfigUser('101')).toEqual({ uid: 101, gid: null });
    expect(parseConfigUser('nginx')).toEqual({ uid: null, gid: null });
    expect(parseConfigUser('')).toEqual({ uid: null, gid: null });
  });
});
