import { describe, expect, it } from 'vitest';
import { LOG_SIGNATURES } from './index.ts';
import { recordedLog } from './recognise.ts';
import { fillHint, lastMeaningfulLine } from './signature.ts';

describe('the signature catalogue', () => {
  it('has unique, stable-looking ids', () => {
    const ids = LOG_SIGNATURES.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^PHX-LOG-(PG|NGINX|RUN)-\d{3}$/);
  });

  it('an unknown failure still gives the last line that reads like an error', () => {
    const lines = recordedLog('pg-shared-memory');
    // initdb's last words ("removing data directory") are not an error; the PANIC before them is.
    expect(lastMeaningfulLine(lines)).toMatch(
      /PANIC: {2}cannot abort transaction 1, it was already committed$/,
    );
    expect(lastMeaningfulLine(['starting', 'done'])).toBe('done');
    expect(lastMeaningfulLine([])).toBeNull();
  });

  it('hints get the volume, owner and captured groups filled in', () => {
    expect(
      fillHint('chown -R {owner} {path}; fix {1} {unknown}', { owner: '999:999', path: '/d', 1: 'x' }),
    ).toBe('chown -R 999:999 /d; fix x {unknown}');
  });
});
