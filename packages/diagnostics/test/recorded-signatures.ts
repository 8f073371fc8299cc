import { expect, it } from 'vitest';
import { recognise } from '../src/doctor/log-signatures/recognise.ts';
import type { LogSignature } from '../src/doctor/log-signatures/signature.ts';

/** A recorded log (test/fixtures/logs), the signature it shows and the line that shows it. */
export type RecordedLog = [id: string, log: string, line: RegExp];

/**
 * The tests every log-signature table gets: each recorded log is recognised as its signature, naming the
 * line given, and the table has no signature without a recorded log (in the table's order).
 */
export function recognisesRecordedLogs(
  signatures: readonly LogSignature[],
  logs: readonly RecordedLog[],
): void {
  it.each(logs)('%s names the line in %s', (id, log, line) => {
    const found = recognise(log);
    expect(found?.signature.id).toBe(id);
    expect(found?.line).toMatch(line);
  });

  it('every signature has a recorded log', () => {
    expect([...new Set(logs.map(([id]) => id))]).toEqual(signatures.map((s) => s.id));
  });
}
