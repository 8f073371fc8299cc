import { describe, expect, it } from 'vitest';
import { normalizeEntryPath, unsafeReason } from './entry-safety.ts';

describe('unsafeReason', () => {
  it.each([
    [{ path: './data/base/1', type: 'File', mode: 0o600 }],
    [{ path: './', type: 'Directory', mode: 0o700 }],
    [{ path: './shared/', type: 'Directory', mode: 0o2775 }],
    [{ path: './d/sym', type: 'SymbolicLink', linkpath: '../a' }],
    [{ path: './d/hard', type: 'Link', linkpath: 'a' }],
    [{ path: './d/hard', type: 'Link', linkpath: './d/../a' }],
    // Symlink targets are data: extraction never writes through a link.
    [{ path: './access.log', type: 'SymbolicLink', linkpath: '/dev/stdout' }],
    [{ path: './d/link', type: 'SymbolicLink', linkpath: '../../x' }],
  ])('accepts %j', (entry) => {
    expect(unsafeReason(entry)).toBeNull();
  });

  it.each([
    [{ path: '../evil', type: 'File' }, 'path with ..'],
    [{ path: './a/../../evil', type: 'File' }, 'path with ..'],
    [{ path: '/abs', type: 'File' }, 'absolute path'],
    [{ path: './link', type: 'SymbolicLink', linkpath: '' }, 'without a target'],
    [{ path: './hard', type: 'Link', linkpath: '/etc/passwd' }, 'outside the volume'],
    [{ path: './hard', type: 'Link', linkpath: '../x' }, 'outside the volume'],
    [{ path: './d/hard', type: 'Link', linkpath: 'd/../../x' }, 'outside the volume'],
    [{ path: './null', type: 'CharacterDevice' }, 'CharacterDevice entry'],
    [{ path: './disk', type: 'BlockDevice' }, 'BlockDevice entry'],
    [{ path: './pipe', type: 'FIFO' }, 'FIFO entry'],
    [{ path: './su', type: 'File', mode: 0o4755 }, 'setuid/setgid'],
    [{ path: './sg', type: 'File', mode: 0o2755 }, 'setuid/setgid'],
  ])('rejects %j', (entry, reason) => {
    expect(unsafeReason(entry)).toContain(reason);
  });
});

describe('normalizeEntryPath', () => {
  it.each([
    ['./', '.'],
    ['.', '.'],
    ['./a/b/', 'a/b'],
    ['a', 'a'],
    ['././a', 'a'],
  ])('%s → %s', (input, output) => {
    expect(normalizeEntryPath(input)).toBe(output);
  });
});
