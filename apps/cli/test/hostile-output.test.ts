import { describe, expect, it } from 'vitest';
import { formatReport } from '../src/commands/doctor.ts';

// A container writes what it likes to its log; doctor quotes the line that explains a failure.
const hostile = 'FATAL: \u001b]52;c;cm0gLXJmIH4K\u0007\u001b[2J\u001b]0;owned\u0007 done\r\nfake line\u202e';

describe('human output of text a container controls', () => {
  it('doctor quotes a hostile log line without a single control character reaching the terminal', () => {
    const lines = formatReport({
      findings: [
        {
          check: 'PHX-SVC-001',
          title: 'a service is down',
          severity: 'error',
          why: 'it does not run',
          volume: null,
          status: 'fail',
          message: `service db: exited (1): ${hostile}`,
          hint: 'podman logs db',
        },
      ],
      passed: [],
      durationMs: 1,
    } as unknown as Parameters<typeof formatReport>[0]);
    const text = lines.join('\n');
    expect(lines.filter((l) => /[\p{Cc}\p{Cf}]/u.test(l))).toEqual([]);
    expect(text).toContain('\\u{1b}]52;c;cm0gLXJmIH4K\\u{7}');
    expect(lines.filter((l) => l.includes('fake line'))).toHaveLength(1);
    expect(lines.find((l) => l.includes('fake line'))).toContain('exited (1)');
  });
});
