import { describe, expect, it } from 'vitest';
import { readFixture } from '../test/read-fixture.ts';
import { parseComposeVersion, parsePodmanComposeVersion } from './compose-detect.ts';

describe('compose version parsing', () => {
  it('reads podman-compose 1.0.3, which prints "podman-composer version"', () => {
    expect(parsePodmanComposeVersion(readFixture('podman-compose-version.txt'))).toBe('1.0.3');
  });

  it('does not mistake podman’s own version for the front end’s', () => {
    expect(parsePodmanComposeVersion('podman version 4.3.1\n')).toBeNull();
    expect(parseComposeVersion('Docker Compose version v2.20.2\n')).toBe('2.20.2');
  });
});
