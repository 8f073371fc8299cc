import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSubidRanges, mappingsFromSubid, parseSubid, readSubidMappings } from './subid.ts';

describe('parseSubid', () => {
  it('skips comments, blanks and malformed lines', () => {
    expect(parseSubid('# c\nalice:100000:65536\n\nbogus\n1001:165536:65536\nzero:1:0\n')).toEqual([
      { owner: 'alice', start: 100000, count: 65536 },
      { owner: '1001', start: 165536, count: 65536 },
    ]);
  });
});

describe('findSubidRanges / mappingsFromSubid', () => {
  const ranges = parseSubid('alice:100000:65536\nbob:165536:65536\n1000:300000:10\n');

  it('matches by name and by uid, in file order', () => {
    expect(findSubidRanges(ranges, { name: 'alice', uid: 1000 }).map((r) => r.start)).toEqual([
      100000, 300000,
    ]);
    expect(findSubidRanges(ranges, { name: 'carol', uid: 1002 })).toEqual([]);
  });

  it('lays ranges after container root like podman does', () => {
    expect(mappingsFromSubid(1000, findSubidRanges(ranges, { name: 'alice', uid: 1000 }))).toEqual([
      { containerId: 0, hostId: 1000, size: 1 },
      { containerId: 1, hostId: 100000, size: 65536 },
      { containerId: 65537, hostId: 300000, size: 10 },
    ]);
  });
});

describe('readSubidMappings', () => {
  const dir = mkdtemp(join(tmpdir(), 'subid-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('raises SUBID_MISSING with the usermod hint when the user has no range', async () => {
    const file = join(await dir, 'subuid');
    await writeFile(file, 'someone:100000:65536\n');
    const user = { name: 'alice', uid: 1000, gid: 1000 };
    await expect(readSubidMappings({ user, subuidFile: file, subgidFile: file })).rejects.toMatchObject({
      code: 'SUBID_MISSING',
      hint: 'sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $USER',
    });
    await expect(
      readSubidMappings({ user, subuidFile: join(await dir, 'absent'), subgidFile: file }),
    ).rejects.toMatchObject({ code: 'SUBID_MISSING' });
  });
});
