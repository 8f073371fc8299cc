import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/doctor-fakes.ts';
import { diskRates, parseDiskstats } from './diskstats.ts';

describe('parseDiskstats', () => {
  const all = parseDiskstats(fixture('proc-diskstats.txt'));

  it('reads every device of a real /proc/diskstats (kernel 6.18, 20 fields)', () => {
    const vda = all.find((d) => d.name === 'vda');
    expect(vda).toMatchObject({ major: 254, minor: 0, discardsCompleted: expect.any(Number) });
    expect(vda?.flushRequests).not.toBeNull();
    expect(all.find((d) => d.name === 'loop0')).toMatchObject({ major: 7, minor: 0, readBytes: 0 });
  });

  it("converts sectors to bytes and milliseconds to seconds, as node_exporter's node_disk_* do", () => {
    const line = '254       0 vda 100 5 2048 1500 200 10 4096 2500 1 3000 4000 7 0 16 9 11 12';
    const [d] = parseDiskstats(line);
    expect(d).toEqual({
      major: 254,
      minor: 0,
      name: 'vda',
      readsCompleted: 100,
      readsMerged: 5,
      readBytes: 2048 * 512,
      readSeconds: 1.5,
      writesCompleted: 200,
      writesMerged: 10,
      writtenBytes: 4096 * 512,
      writeSeconds: 2.5,
      ioNow: 1,
      ioSeconds: 3,
      ioWeightedSeconds: 4,
      discardsCompleted: 7,
      discardedBytes: 16 * 512,
      flushRequests: 11,
    });
  });

  it('leaves the newer fields null on a 14-field kernel line', () => {
    const [d] = parseDiskstats('8 0 sda 1 0 8 1 1 0 8 1 0 2 2');
    expect(d).toMatchObject({ discardsCompleted: null, discardedBytes: null, flushRequests: null });
  });
});

describe('diskRates', () => {
  const at = (readBytes: number, ioSeconds: number) => ({
    readBytes,
    writtenBytes: readBytes * 2,
    readsCompleted: readBytes / 4096,
    writesCompleted: 0,
    ioSeconds,
  });

  it('divides the deltas by the interval', () => {
    expect(diskRates(at(0, 0), at(4096 * 10, 0.5), 2)).toEqual({
      seconds: 2,
      readBytesPerSecond: 20480,
      writtenBytesPerSecond: 40960,
      readsPerSecond: 5,
      writesPerSecond: 0,
      utilization: 0.25,
    });
  });

  it('gives no rates when the counters went backwards (the host rebooted)', () => {
    expect(diskRates(at(4096, 5), at(0, 1), 10)).toBeNull();
  });
});
