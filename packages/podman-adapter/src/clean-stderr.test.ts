import { describe, expect, it } from 'vitest';
import { readFixture } from '../test/read-fixture.ts';
import { cleanStderr } from './clean-stderr.ts';

describe('cleanStderr', () => {
  it('drops the shared-mount warning in both log formats and keeps real errors', () => {
    const stderr = [
      'WARN[0000] "/" is not a shared mount, this could cause issues or missing mounts with rootless containers',
      'time="2026-11-25T19:00:00Z" level=warning msg="\\"/\\" is not a shared mount, this could cause issues or missing mounts with rootless containers"',
      'Error: no such volume nope',
      '',
    ].join('\n');
    expect(cleanStderr(stderr)).toBe('Error: no such volume nope');
  });

  it('cleans the warning as podman really prints it to a pipe (logfmt, escaped quotes)', () => {
    const recorded = readFixture('stderr-missing-volume-fresh-namespace.txt');
    expect(recorded).toContain('is not a shared mount');
    expect(cleanStderr(recorded)).toBe('Error: inspecting object: no such volume nope');
  });

  it('keeps unknown warnings', () => {
    expect(cleanStderr('WARN[0000] something else\n')).toBe('WARN[0000] something else');
  });
});
