import { readFileSync } from 'node:fs';
import { LOG_SIGNATURES } from './index.ts';
import { matchSignature, type SignatureMatch } from './signature.ts';

/** The lines of a log recorded from a real container (test/fixtures/logs/NAME.log). */
export function recordedLog(name: string): string[] {
  return readFileSync(new URL(`../../../test/fixtures/logs/${name}.log`, import.meta.url), 'utf8').split(
    '\n',
  );
}

/** The signature the whole catalogue finds in a recorded log. */
export function recognise(log: string): SignatureMatch | null {
  return matchSignature(recordedLog(log), LOG_SIGNATURES);
}
