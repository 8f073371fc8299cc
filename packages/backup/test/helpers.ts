import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
  chown,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import { Header, type HeaderData } from 'tar';
import { afterAll, afterEach, beforeAll, type TestContext } from 'vitest';
import { createBackup } from '../src/create-backup.ts';

export const isRoot = process.getuid?.() === 0;

const cleanups: string[] = [];
afterEach(async () => {
  for (const dir of cleanups.splice(0)) {
    // Sample volumes hold a read-only directory (0555): a non-root user cannot empty it until it is writable.
    if (!isRoot) spawnSync('chmod', ['-R', 'u+w', dir]);
    await rm(dir, { recursive: true, force: true });
  }
});

/** A fresh temp directory, removed after the test. */
export async function tempDir(prefix = 'phoenix-backup-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(dir);
  return dir;
}

const T = (iso: string) => new Date(iso);

/**
 * A volume with every kind of entry a backup must keep: modes (0600, 0755, setgid dir, read-only dir),
 * a symlink, a hard link, an empty file, a 1 MiB binary file, old mtimes, and (as root) owners
 * 999:999 and 101:101 as a postgres/nginx volume would have.
 */
export async function makeSampleVolume(root: string): Promise<void> {
  await mkdir(join(root, 'base/1'), { recursive: true });
  await mkdir(join(root, 'conf.d'));
  await mkdir(join(root, 'shared'));
  await mkdir(join(root, 'ro'));
  await writeFile(join(root, 'PG_VERSION'), '15\n');
  await writeFile(join(root, 'base/1/1259'), randomBytes(1024 * 1024));
  await writeFile(join(root, 'base/1/empty'), '');
  await writeFile(join(root, 'conf.d/site.conf'), 'server { listen 8080; }\n');
  await writeFile(join(root, 'ro/readme'), 'read only\n');
  await writeFile(join(root, 'run.sh'), '#!/bin/sh\necho hi\n');
  await link(join(root, 'PG_VERSION'), join(root, 'base/PG_VERSION.hardlink'));
  await symlink('../conf.d/site.conf', join(root, 'shared/site.conf'));
  await symlink('base', join(root, 'base-link'));
  await chmod(join(root, 'PG_VERSION'), 0o600);
  await chmod(join(root, 'base/1/1259'), 0o600);
  await chmod(join(root, 'run.sh'), 0o755);
  await chmod(join(root, 'shared'), 0o2775);
  await chmod(join(root, 'base'), 0o700);
  await chmod(join(root, 'ro/readme'), 0o444);
  if (isRoot) {
    for (const p of [
      '.',
      'PG_VERSION',
      'base',
      'base/1',
      'base/1/1259',
      'base/1/empty',
      'run.sh',
      'ro',
      'ro/readme',
    ]) {
      await chown(join(root, p), 999, 999);
    }
    for (const p of ['conf.d', 'conf.d/site.conf', 'shared']) await chown(join(root, p), 101, 101);
    await lchown(join(root, 'shared/site.conf'), 101, 101);
    await lchown(join(root, 'base-link'), 999, 999);
  }
  await utimes(join(root, 'base/1/1259'), T('2024-05-01T10:00:00Z'), T('2024-05-01T10:00:00Z'));
  await utimes(join(root, 'PG_VERSION'), T('2023-01-01T00:00:00Z'), T('2023-01-01T00:00:00Z'));
  await lutimes(join(root, 'shared/site.conf'), T('2022-02-02T02:02:02Z'), T('2022-02-02T02:02:02Z'));
  // Directories last, deepest first: creating entries inside changes a directory's mtime.
  for (const [p, t] of [
    ['base/1', '2024-05-01T10:00:01Z'],
    ['base', '2024-05-01T10:00:02Z'],
    ['ro', '2021-01-01T00:00:00Z'],
    ['shared', '2022-02-02T02:02:03Z'],
    ['conf.d', '2022-02-02T02:02:04Z'],
    ['.', '2024-06-01T00:00:00Z'],
  ] as const) {
    await utimes(join(root, p), T(t), T(t));
  }
  await chmod(join(root, 'ro'), 0o555);
}

export interface TreeEntry {
  path: string;
  type: 'dir' | 'file' | 'symlink' | 'other';
  mode: string;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  link: string | null;
  sha256: string | null;
  /** The first path (in walk order) sharing this file's inode, when it is a hard link. */
  hardlinkOf: string | null;
}

/** Everything about a tree a restore must reproduce, in a form `toEqual` can compare. */
export async function snapshotTree(root: string): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  const inodes = new Map<number, string>();
  const visit = async (rel: string) => {
    const path = join(root, rel);
    const st = await lstat(path);
    const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
    let hardlinkOf: string | null = null;
    if (type === 'file' && st.nlink > 1) {
      hardlinkOf = inodes.get(st.ino) ?? null;
      if (!hardlinkOf) inodes.set(st.ino, rel);
    }
    entries.push({
      path: rel,
      type,
      mode: (st.mode & 0o7777).toString(8),
      uid: st.uid,
      gid: st.gid,
      mtime: Math.floor(st.mtimeMs / 1000),
      size: type === 'file' ? st.size : 0,
      link: type === 'symlink' ? await readlink(path) : null,
      sha256:
        type === 'file'
          ? createHash('sha256')
              .update(await readFile(path))
              .digest('hex')
          : null,
      hardlinkOf,
    });
    if (type === 'dir')
      for (const name of (await readdir(path)).sort()) await visit(rel === '.' ? name : `${rel}/${name}`);
  };
  await visit('.');
  return entries;
}

/** Runs a command and returns stdout, throwing with stderr on failure. */
export function run(command: string, args: string[], options: { cwd?: string } = {}): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/**
 * A tmpfs of SIZE (mount's size=, e.g. '2m') for the enclosing describe block: a real ENOSPC from the
 * kernel, not a mock. Needs root (or CAP_SYS_ADMIN); where mounting is not permitted the tests skip.
 */
export function smallFileSystem(size: string, prefix: string) {
  let path = '';
  let mounted = false;
  beforeAll(async () => {
    path = await mkdtemp(join(tmpdir(), prefix));
    try {
      run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]);
      mounted = true;
    } catch {
      // no permission to mount here: pathOrSkip skips the tests
    }
  });
  afterAll(async () => {
    if (mounted) run('umount', [path]);
    await rm(path, { recursive: true, force: true });
  });
  return {
    /** The mount point; skips the calling test where it could not be mounted. */
    pathOrSkip(context: TestContext): string {
      if (!mounted) context.skip();
      return path;
    },
  };
}

/** A zstd tar archive built header by header: the only way to get entries node-tar itself refuses to write. */
export function rawTarZst(entries: (HeaderData & { body?: string })[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { body = '', ...data } of entries) {
    const header = new Header({
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: new Date(),
      size: Buffer.byteLength(body),
      ...data,
    });
    header.encode();
    if (!header.block) throw new Error('header did not encode');
    blocks.push(header.block);
    if (body) {
      const padded = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
      padded.write(body);
      blocks.push(padded);
    }
  }
  blocks.push(Buffer.alloc(1024));
  return zstdCompressSync(Buffer.concat(blocks));
}

/** Backs up one directory as archive volume `name` (default `v`) into `backupDir` (default: a new temp dir). */
export async function backupOne(volume: string, options: { name?: string; backupDir?: string } = {}) {
  const backupDir = options.backupDir ?? (await tempDir());
  const manifest = await createBackup({
    backupDir,
    project: 'p',
    volumes: [{ name: options.name ?? 'v', strategy: 'archive', path: volume }],
    taken: 'offline',
  });
  return { backupDir, manifest, id: manifest.id, dir: join(backupDir, manifest.id) };
}
