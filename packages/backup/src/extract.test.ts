import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HeaderData } from 'tar';
import { describe, expect, it } from 'vitest';
import { backupOne, rawTarZst, run, snapshotTree, tempDir } from '../test/helpers.ts';
import { extractArchive } from './extract.ts';
import { type Manifest, writeManifest } from './manifest.ts';
import { restoreBackup } from './restore.ts';

type Entry = HeaderData & { body?: string };

/** A temp area: `outside/` must never change; `x` is a file a hard link might try to reach. */
async function arena() {
  const base = await tempDir();
  const outside = join(base, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'keep'), 'untouched\n');
  await writeFile(join(base, 'x'), 'outside file\n');
  const target = join(base, 'target');
  await mkdir(target);
  await writeFile(join(target, 'live'), 'live data\n');
  return { base, outside, target };
}

/** Each case's entries; OUTSIDE stands for the arena's outside directory. */
const malicious: [string, Entry[]][] = [
  ['a ../ path', [{ path: '../evil', body: 'evil\n' }]],
  ['an absolute path', [{ path: 'OUTSIDE/abs', body: 'abs\n' }]],
  [
    'a symlink out of the tree, then a file through it',
    [
      { path: 'link', type: 'SymbolicLink', linkpath: 'OUTSIDE', size: 0 },
      { path: 'link/passwd', body: 'root::0:0::/:/bin/sh\n' },
    ],
  ],
  [
    'a relative symlink out of the tree, then a file through it',
    [
      { path: 'up', type: 'SymbolicLink', linkpath: '../outside', size: 0 },
      { path: 'up/keep', body: 'overwritten\n' },
    ],
  ],
  ['a hard link to ../x', [{ path: 'hard', type: 'Link', linkpath: '../x', size: 0 }]],
  ['a character device', [{ path: 'null', type: 'CharacterDevice', size: 0 }]],
  ['a fifo', [{ path: 'pipe', type: 'FIFO', size: 0 }]],
  ['a setuid binary', [{ path: 'su', mode: 0o4755, body: '#!/bin/sh\n' }]],
  [
    'a file written through a symlink that stays inside the volume',
    [
      { path: 'real', type: 'Directory', mode: 0o755, size: 0 },
      { path: 'alias', type: 'SymbolicLink', linkpath: 'real', size: 0 },
      { path: 'alias/file', body: 'through a link\n' },
    ],
  ],
  [
    'a hard link to a symlink',
    [
      { path: 'sym', type: 'SymbolicLink', linkpath: 'ok.txt', size: 0 },
      { path: 'hard', type: 'Link', linkpath: 'sym', size: 0 },
    ],
  ],
];

function placeOutside(entries: Entry[], outside: string): Entry[] {
  return entries.map((e) => ({
    ...e,
    ...(e.path ? { path: e.path.replace('OUTSIDE', outside) } : {}),
    ...(e.linkpath ? { linkpath: e.linkpath.replace('OUTSIDE', outside) } : {}),
  }));
}

function archiveWith(entries: Entry[]): Buffer {
  return rawTarZst([
    { path: './', type: 'Directory', mode: 0o755, size: 0 },
    { path: './ok.txt', body: 'fine\n' },
    ...entries,
    { path: './after.txt', body: 'after\n' },
  ]);
}

describe('extractArchive', () => {
  it('creates files in nested directories and leaves the working directory where it was', async () => {
    const base = await tempDir();
    const artifact = join(base, 'a.tar.zst');
    await writeFile(
      artifact,
      rawTarZst([
        { path: './', type: 'Directory', mode: 0o755, size: 0 },
        { path: './a/', type: 'Directory', mode: 0o750, size: 0 },
        { path: './a/b/one', body: 'one\n' },
        { path: './a/two', body: 'two\n' },
        { path: './top', body: 'top\n' },
        { path: './a/b/three', body: 'three\n' },
      ]),
    );
    const staging = join(base, 'staging');
    await mkdir(staging);
    const cwd = process.cwd();
    await extractArchive({ artifact, compression: 'zstd', staging, preserveOwner: false });
    expect(process.cwd()).toBe(cwd);
    for (const [path, body] of [
      ['a/b/one', 'one'],
      ['a/two', 'two'],
      ['top', 'top'],
      ['a/b/three', 'three'],
    ])
      expect(await readFile(join(staging, path as string), 'utf8')).toBe(`${body}\n`);
    expect(await readdir(cwd)).not.toContain('one');
  });
});

describe('extractArchive with a malicious archive', () => {
  it.each(malicious)('rejects %s, writing nothing outside staging', async (_name, entries) => {
    const { base, outside, target } = await arena();
    const artifact = join(base, 'evil.tar.zst');
    await writeFile(artifact, archiveWith(placeOutside(entries, outside)));
    const before = await snapshotTree(base);
    const staging = join(base, 'staging');
    await mkdir(staging);
    const cwd = process.cwd();
    await expect(
      extractArchive({ artifact, compression: 'zstd', staging, preserveOwner: false }),
    ).rejects.toMatchObject({
      code: 'BACKUP_UNSAFE_ENTRY',
    });
    expect(process.cwd()).toBe(cwd); // files are created from inside their directory, then it moves back
    const after = (await snapshotTree(base)).filter(
      (e) => e.path !== 'staging' && !e.path.startsWith('staging/'),
    );
    const expected = before.filter((e) => e.path !== '.');
    expect(after.filter((e) => e.path !== '.')).toEqual(expected);
    expect(await readdir(staging)).not.toContain('after.txt');
    expect(await readdir(target)).toEqual(['live']);
  });
});

describe('restoreBackup with a malicious archive whose manifest matches it', () => {
  it.each([
    ['../evil', [{ path: '../evil', body: 'evil\n' }]],
    [
      'link -> outside, link/passwd',
      [
        { path: 'link', type: 'SymbolicLink', linkpath: '/etc', size: 0 },
        { path: 'link/passwd', body: 'x\n' },
      ],
    ],
    ['hard -> ../x', [{ path: 'hard', type: 'Link', linkpath: '../x', size: 0 }]],
  ] as [string, Entry[]][])(
    'refuses %s with BACKUP_UNSAFE_ENTRY and changes nothing',
    async (_name, entries) => {
      const { base, target } = await arena();
      const backupDir = join(base, 'backups');
      const id = '20261125T193000Z-abcdef';
      await mkdir(join(backupDir, id), { recursive: true });
      const archive = archiveWith(entries);
      await writeFile(join(backupDir, id, 'v.tar.zst'), archive);
      const manifest: Manifest = {
        schemaVersion: 1,
        id,
        createdAt: new Date().toISOString(),
        toolVersion: '0.0.0',
        host: 'attacker',
        project: 'p',
        taken: 'offline',
        durationSeconds: 0,
        volumes: [
          {
            name: 'v',
            about: null,
            strategy: 'archive',
            artifact: 'v.tar.zst',
            compression: 'zstd',
            entries: 3 + entries.length,
            bytes: 5 + 6 + entries.reduce((n, e) => n + Buffer.byteLength(e.body ?? ''), 0),
            artifactBytes: archive.length,
            sha256: createHash('sha256').update(archive).digest('hex'),
            entryListSha256: null,
            skipped: [],
            postgres: null,
          },
        ],
      };
      await writeManifest(join(backupDir, id), manifest);
      // The arena's own directory is left out: the staging copy is made and removed in it, which
      // changes its mtime (visible whenever the clock passes a second meanwhile).
      const outsideBackups = async () =>
        (await snapshotTree(base)).filter((e) => e.path !== '.' && !e.path.startsWith('backups'));
      const before = await outsideBackups();
      await expect(restoreBackup({ backupDir, id, volume: 'v', targetPath: target })).rejects.toMatchObject({
        code: 'BACKUP_UNSAFE_ENTRY',
      });
      expect(await outsideBackups()).toEqual(before);
    },
  );
});

describe('extractArchive of a sparse file', () => {
  it('restores it sparse: runs of zero blocks become holes, the content is the same', async () => {
    const base = await tempDir();
    const volume = join(base, 'volume');
    await mkdir(volume);
    const sparse = join(volume, 'sparse.img');
    run('truncate', ['-s', '64M', sparse]); // a 64 MiB hole
    run('dd', ['if=/dev/urandom', `of=${sparse}`, 'bs=4096', 'count=1', 'conv=notrunc', 'status=none']);
    run('dd', [
      'if=/dev/urandom',
      `of=${sparse}`,
      'bs=4096',
      'count=1',
      'seek=8000',
      'conv=notrunc',
      'status=none',
    ]);
    await writeFile(
      join(volume, 'ends-in-zeros'),
      Buffer.concat([Buffer.from('x'), Buffer.alloc(1024 * 1024)]),
    );
    const allocated = (path: string) => Number(run('stat', ['-c', '%b', path]).trim()) * 512;
    expect(allocated(sparse)).toBeLessThan(1024 * 1024);
    const { dir } = await backupOne(volume);
    const staging = join(base, 'staging');
    await mkdir(staging);
    await extractArchive({
      artifact: join(dir, 'v.tar.zst'),
      compression: 'zstd',
      staging,
      preserveOwner: false,
    });
    expect(allocated(join(staging, 'sparse.img'))).toBeLessThan(1024 * 1024);
    expect((await stat(join(staging, 'sparse.img'))).size).toBe(64 * 1024 * 1024);
    for (const name of ['sparse.img', 'ends-in-zeros'])
      expect(run('sha256sum', [join(staging, name)]).split(' ')[0]).toBe(
        run('sha256sum', [join(volume, name)]).split(' ')[0],
      );
  });
});
