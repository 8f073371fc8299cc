import { describe, expect, it } from 'vitest';
import { formatId, type IdMapping, toContainerId, toHostId } from './id-mapping.ts';

const rootless: IdMapping[] = [
  { containerId: 0, hostId: 1000, size: 1 },
  { containerId: 1, hostId: 100000, size: 65536 },
];

describe('toHostId / toContainerId', () => {
  it('maps container root to the user and N≥1 into the subordinate range', () => {
    expect(toHostId(0, rootless)).toBe(1000);
    expect(toHostId(1, rootless)).toBe(100000);
    expect(toHostId(999, rootless)).toBe(100998);
    expect(toHostId(101, rootless)).toBe(100100);
    expect(toHostId(65536, rootless)).toBe(165535);
  });

  it('returns undefined outside every range', () => {
    expect(toHostId(65537, rootless)).toBeUndefined();
    expect(toContainerId(1001, rootless)).toBeUndefined();
    expect(toContainerId(99999, rootless)).toBeUndefined();
    expect(toContainerId(165536, rootless)).toBeUndefined();
  });

  it('inverts toHostId', () => {
    for (const id of [0, 1, 101, 999, 65536]) {
      expect(toContainerId(toHostId(id, rootless) ?? -1, rootless)).toBe(id);
    }
  });
});

describe('formatId', () => {
  it('shows both views', () => {
    expect(formatId(999, 100998)).toBe('999 (host 100998)');
    expect(formatId(70000, undefined)).toBe('70000 (host unmapped)');
  });
});
