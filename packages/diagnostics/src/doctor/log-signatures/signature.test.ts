import { describe, expect, it } from 'vitest';
import { LOG_SIGNATURES } from './index.ts';
import { recordedLog } from './recognise.ts';
import { fillHint, lastMeaningfulLine, matchSignature } from './signature.ts';

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

  it('recognises a message that reached the log in two pieces, as podman remote prints partial records', () => {
    // Seen through podman 4.3's service (a restart-looping postgres as 999:999 on a root-owned directory).
    const lines = [
      'Data page checksums are disabled.',
      '',
      'initdb: error: ',
      'could not access directory "/var/lib/postgresql/data": Permission denied',
    ];
    expect(matchSignature(lines, LOG_SIGNATURES)).toMatchObject({
      signature: { id: 'PHX-LOG-PG-001' },
      line: 'initdb: error: could not access directory "/var/lib/postgresql/data": Permission denied',
    });
    // Three pieces, out of order as a restart loop's runs interleaved them (local e2e run).
    expect(
      matchSignature(
        ['x', 'error: ', ' initdb:', 'could not access directory "/d": Permission denied'],
        LOG_SIGNATURES,
      ),
    ).toMatchObject({ signature: { id: 'PHX-LOG-PG-001' } });
    // A whole line anywhere wins over pieces after it; lines that say nothing known together stay unknown.
    const whole = 'initdb: error: could not access directory "/d": Permission denied';
    expect(
      matchSignature(
        [whole, 'initdb: error: ', 'could not access directory "/d": Permission denied'],
        LOG_SIGNATURES,
      )?.line,
    ).toBe(whole);
    expect(matchSignature(['initdb: error: ', 'done'], LOG_SIGNATURES)).toBeNull();
  });

  it('hints get the volume, owner and captured groups filled in', () => {
    expect(
      fillHint('chown -R {owner} {path}; fix {1} {unknown}', { owner: '999:999', path: '/d', 1: 'x' }),
    ).toBe('chown -R 999:999 /d; fix x {unknown}');
  });
});
