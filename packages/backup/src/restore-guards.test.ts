import { mkdir, readdir, readFile, statfs, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  backupOne,
  isRoot,
  makeSampleVolume,
  smallFileSystem,
  snapshotTree,
  tempDir,
} from '../test/helpers.ts';
import { createBackup } from './create-backup.ts';
import { PGDUMP_MAGIC } from './file-hash.ts';
import { type Journal, type JournalState, openJournal, readJournal, repairSwap } from './journal.ts';
import type { Manifest } from './manifest.ts';
import { restoreBackup } from './restore.ts';
import type { Exec } from './types.ts';

/** An exec that records argv and answers with a tiny custom-format "dump". */
function fakeExec(calls: string[][]): Exec {
  return (argv, options) => {
    calls.push(argv);
    options.stdin?.resume();
    return {
      stdout: Readable.from([Buffer.concat([PGDUMP_MAGIC, Buffer.from('dump')])]),
      done: Promise.resolve(),
    };
  };
}

async function editManifest(backupDir: string, id: string, edit: (m: Manifest) => void): Promise<void> {
  const path = join(backupDir, id, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8'));
  edit(manifest);
  await writeFile(path, JSON.stringify(manifest));
}

async function dumpBackup(database: string) {
  const backupDir = await tempDir();
  const calls: string[][] = [];
  const manifest = await createBackup({
    backupDir,
    project: 'p',
    volumes: [{ name: 'db', strategy: 'postgres-logical', postgres: { database, user: 'phoenix' } }],
    taken: 'logical-dump',
    exec: fakeExec(calls),
  });
  return { backupDir, id: manifest.id, calls };
}

describe('a dump is restored into the caller’s database, never the manifest’s', () => {
  it('refuses a dump of another database unless the caller names the target explicitly', async () => {
    const { backupDir, id } = await dumpBackup('phoenix_hydra');
    const calls: string[][] = [];
    const base = { backupDir, id, volume: 'db', exec: fakeExec(calls) };
    await expect(
      restoreBackup({ ...base, postgres: { database: 'other_app', user: 'phoenix' } }),
    ).rejects.toMatchObject({
      code: 'BACKUP_OTHER_DATABASE',
      message: expect.stringContaining('phoenix_hydra'),
    });
    expect(calls).toEqual([]);
    await restoreBackup({
      ...base,
      postgres: { database: 'other_app', user: 'phoenix', otherDatabase: true },
    });
    expect(calls[0]).toContain("--dbname=dbname='other_app'");
  });

  it('never connects where a crafted manifest says', async () => {
    const { backupDir, id } = await dumpBackup('phoenix_hydra');
    await editManifest(backupDir, id, (m) => {
      (m.volumes[0] as Manifest['volumes'][number]).postgres = {
        database: 'host=evil.example dbname=x',
        user: 'phoenix',
      };
    });
    const calls: string[][] = [];
    const base = { backupDir, id, volume: 'db', exec: fakeExec(calls) };
    // Without a target from the caller there is nothing to connect to (the manifest is not asked).
    await expect(restoreBackup(base)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(
      restoreBackup({ ...base, postgres: { database: 'phoenix_hydra', user: 'phoenix' } }),
    ).rejects.toMatchObject({ code: 'BACKUP_OTHER_DATABASE' });
    expect(calls).toEqual([]);
  });
});

async function archiveBackup() {
  const volume = join(await tempDir(), 'data');
  await mkdir(volume);
  await makeSampleVolume(volume);
  const { backupDir, id } = await backupOne(volume, { name: 'data' });
  return { volume, backupDir, id };
}

describe('room on the target file system', () => {
  it('names a missing parent directory instead of failing with a bare ENOENT', async () => {
    const { backupDir, id } = await archiveBackup();
    const target = join(await tempDir(), 'missing/data');
    await expect(restoreBackup({ backupDir, id, volume: 'data', targetPath: target })).rejects.toMatchObject({
      code: 'RESTORE_FAILED',
      message: `cannot restore data: ${dirname(target)} does not exist`,
    });
  });

  it('refuses a backup that expands beyond the free space before writing anything, with the numbers', async () => {
    const { volume, backupDir, id } = await archiveBackup();
    await editManifest(backupDir, id, (m) => {
      (m.volumes[0] as Manifest['volumes'][number]).bytes = 50 * 1024 ** 4; // 50 TiB: more than any test machine has free
    });
    const before = await snapshotTree(volume);
    const error = await restoreBackup({ backupDir, id, volume: 'data', targetPath: volume }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'NO_SPACE',
      message: expect.stringMatching(/expands to 52428800\.0 MiB .* MiB free; nothing was changed/),
      hint: expect.stringMatching(/^free .* MiB/),
    });
    expect(await snapshotTree(volume)).toEqual(before);
    expect(await readdir(dirname(volume))).toEqual(['data']);
  });
});

/** A real 96 MiB file system (tmpfs), so filling it would be a real ENOSPC. Needs root. */
describe.skipIf(!isRoot)('an archive that expands beyond its manifest', () => {
  const tmpfs = smallFileSystem('96m', 'phoenix-bomb-');

  it('is stopped before it writes more than the manifest records, so the disk never fills', async (context) => {
    const small = tmpfs.pathOrSkip(context);
    const volume = await tempDir();
    await writeFile(join(volume, 'small'), 'x');
    await writeFile(join(volume, 'bomb'), Buffer.alloc(160 * 1024 * 1024, 'a')); // compresses to almost nothing
    const { backupDir, id } = await backupOne(volume);
    await editManifest(backupDir, id, (m) => {
      (m.volumes[0] as Manifest['volumes'][number]).bytes = 1; // the lie that passes the room check
    });
    const target = join(small, 'v');
    await mkdir(target);
    await writeFile(join(target, 'live'), 'live data\n');
    const error = await restoreBackup({ backupDir, id, volume: 'v', targetPath: target }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'BACKUP_CORRUPT',
      message: 'refusing to restore: the archive holds more than the 1 content bytes its manifest records',
    });
    expect(await readdir(small)).toEqual(['v']);
    expect(await readFile(join(target, 'live'), 'utf8')).toBe('live data\n');
    const { bavail, bsize, blocks } = await statfs(small);
    expect(bavail * bsize).toBeGreaterThan(blocks * bsize * 0.9);
  });
});

describe('the journal of a restore', () => {
  function recording(): { journal: Journal; states: JournalState['swaps'][] } {
    const states: JournalState['swaps'][] = [];
    const state = { swaps: [] } as unknown as JournalState;
    return {
      states,
      journal: {
        path: '',
        async update(change) {
          change(state);
          states.push(structuredClone(state.swaps));
        },
        async close() {},
      },
    };
  }

  it('records the staging copy and the swap before they happen, and clears them after', async () => {
    const { volume, backupDir, id } = await archiveBackup();
    const { journal, states } = recording();
    const result = await restoreBackup({ backupDir, id, volume: 'data', targetPath: volume, journal });
    expect(states).toHaveLength(2);
    expect(states[0]).toEqual([
      {
        target: volume,
        staging: expect.stringMatching(/data\.restore-staging-/),
        previous: result.preRestorePath,
      },
    ]);
    expect(states[1]).toEqual([]);
  });

  it('writes durably and leaves no file once nothing is pending', async () => {
    const dir = await tempDir();
    const journal = await openJournal(dir, 'restore');
    await journal.update((s) => s.stopped.push('db'));
    expect(await readJournal(dir)).toMatchObject({ operation: 'restore', pid: process.pid, stopped: ['db'] });
    await journal.update((s) => s.stopped.pop());
    await journal.close();
    expect(await readdir(dir)).toEqual([]);
    expect(await readJournal(dir)).toBeNull();
  });
});

describe('repairSwap', () => {
  async function layout(parts: { target?: string; previous?: string; staging?: string }) {
    const dir = await tempDir();
    const swap = {
      target: join(dir, 'data'),
      previous: join(dir, 'data.pre-restore-1'),
      staging: join(dir, 'data.restore-staging-1'),
    };
    for (const [key, content] of Object.entries(parts)) {
      const path = swap[key as keyof typeof swap];
      await mkdir(path);
      await writeFile(join(path, 'file'), content);
    }
    return { dir, swap };
  }

  it('puts the old data back when killed between the two renames, and removes the staging copy', async () => {
    const { dir, swap } = await layout({ previous: 'old', staging: 'new' });
    const done = await repairSwap(swap);
    expect(await readFile(join(swap.target, 'file'), 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['data']);
    expect(done.join('\n')).toMatch(
      /put the previous data back into .*data.*\n.*removed the unfinished restore copy/,
    );
  });

  it('removes a staging copy left by a restore killed while extracting; the live data stays', async () => {
    const { dir, swap } = await layout({ target: 'live', staging: 'half' });
    expect(await repairSwap(swap)).toEqual([`removed the unfinished restore copy ${swap.staging}`]);
    expect(await readFile(join(swap.target, 'file'), 'utf8')).toBe('live');
    expect(await readdir(dir)).toEqual(['data']);
  });

  it("removes what a restore of the staging copy fetched beside it (an off-host tree's <staging>.fetch)", async () => {
    const { dir, swap } = await layout({ target: 'live' });
    await mkdir(join(`${swap.staging}.fetch`, 'trees', 'data'), { recursive: true });
    expect(await repairSwap(swap)).toEqual([`removed the unfinished restore copy ${swap.staging}.fetch`]);
    expect(await readdir(dir)).toEqual(['data']);
  });

  it('says a completed swap completed and keeps the previous data', async () => {
    const { dir, swap } = await layout({ target: 'new', previous: 'old' });
    expect((await repairSwap(swap)).join()).toMatch(/had completed; the previous data is kept in/);
    expect((await readdir(dir)).sort()).toEqual(['data', 'data.pre-restore-1']);
  });

  it('names the journaled operation: an interrupted adopt is not called a restore', async () => {
    const { swap } = await layout({ target: 'live', staging: 'half' });
    expect(await repairSwap(swap, undefined, 'adopt')).toEqual([
      `removed the unfinished adopt copy ${swap.staging}`,
    ]);
  });
});
