import { describe, expect, it } from 'vitest';
import { formatOwner } from './model.ts';
import { parseOwner, parseUser } from './parse-owner.ts';

describe('parseOwner', () => {
  it('reads uid:gid, a lone uid meaning the same group, and numbers', () => {
    expect(parseOwner('999:999')).toEqual({ uid: 999, gid: 999 });
    expect(parseOwner('101:0')).toEqual({ uid: 101, gid: 0 });
    expect(parseOwner('1000')).toEqual({ uid: 1000, gid: 1000 });
    expect(parseOwner(70)).toEqual({ uid: 70, gid: 70 });
  });

  it('round-trips with formatOwner', () => {
    expect(formatOwner(parseOwner('999:998') ?? { uid: -1, gid: -1 })).toBe('999:998');
  });

  it.each(['', 'postgres', '999:', ':999', '1:2:3', '-1:0', '4294967295:0', '1.5'])('rejects %j', (input) => {
    expect(parseOwner(input)).toBeUndefined();
  });
});

describe('parseUser', () => {
  it('keeps numeric ids and names apart', () => {
    expect(parseUser('999:999')).toEqual({ uid: 999, gid: 999 });
    expect(parseUser('999')).toEqual({ uid: 999 });
    expect(parseUser(1000)).toEqual({ uid: 1000 });
    expect(parseUser('postgres')).toEqual({ userName: 'postgres' });
    expect(parseUser('app:staff')).toEqual({ userName: 'app', groupName: 'staff' });
    expect(parseUser('1000:staff')).toEqual({ uid: 1000, groupName: 'staff' });
  });

  it.each(['', ':1', '1:', '1:2:3', '99999999999'])('rejects %j', (input) => {
    expect(parseUser(input)).toBeUndefined();
  });
});
