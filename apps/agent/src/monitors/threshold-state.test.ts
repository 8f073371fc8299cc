import { describe, expect, it } from 'vitest';
import { ThresholdState } from './threshold-state.ts';

describe('ThresholdState', () => {
  it('fires once below a minimum and resolves only past the hysteresis band', () => {
    const t = new ThresholdState({ metric: 'avail_bytes', kind: 'min', threshold: 100 }, 0.1);
    expect(t.update(150)).toBeNull();
    expect(t.update(90)).toEqual({ state: 'firing', value: 90 });
    expect(t.update(80)).toBeNull();
    expect(t.update(105)).toBeNull(); // back above the threshold, inside the band
    expect(t.update(95)).toBeNull();
    expect(t.update(111)).toEqual({ state: 'resolved', value: 111 });
    expect(t.firing).toBe(false);
  });

  it('works the other way round for a maximum', () => {
    const t = new ThresholdState({ metric: 'used_bytes', kind: 'max', threshold: 1000 }, 0.2);
    expect(t.update(1001)).toEqual({ state: 'firing', value: 1001 });
    expect(t.update(850)).toBeNull();
    expect(t.update(800)).toEqual({ state: 'resolved', value: 800 });
  });
});
