import { chmod, lchown, lstat, lutimes, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transform } from 'node:stream';
import { PhoenixError } from '@phoenix-hydra/core';
import { type ReadEntry, Unpack } from 'tar';
import { normalizeEntryPath, unsafeReason } from './entry-safety.ts';
import { feedArchive } from './read-archive.ts';
import type { Compression } from './types.ts';

export interface ExtractOptions {
  artifact: string;
  compression: Compression;
  /** An empty directory we created: the only place anything is written. */
  staging: string;
  /** Set owners from the archive's numeric ids: needs root, or `podman unshare` for subuid owners. */
  preserveOwner: boolean;
  tap?: Transform | undefined;
  signal?: AbortSignal | undefined;
}

interface Fixup {
  path: string;
  kind: 'directory' | 'symlink';
  mode: number;
  uid: number | undefined;
  gid: number | undefined;
  mtime: Date | undefined;
}

/**
 * Extracts an archive into `staging`. The first unsafe entry (see entry-safety.ts) makes every later
 * entry skipped and the call throw BACKUP_UNSAFE_ENTRY once node-tar has finished its writes, so the
 * caller can remove staging knowing nothing is still being written. Directory modes and times and
 * symlink owners and times are applied at the end, deepest first, as GNU tar does.
 */
export async function extractArchive(options: ExtractOptions): Promise<void> {
  let unsafe: string | undefined;
  const fixups: Fixup[] = [];
  const unpack = new Unpack({
    cwd: options.staging,
    strict: true,
    chmod: true,
    processUmask: 0,
    preserveOwner: options.preserveOwner,
    filter(_path, entry) {
      if (unsafe !== undefined) return false;
      const read = entry as ReadEntry;
      const reason = unsafeReason(read);
      if (reason !== null) {
        unsafe = reason;
        return false;
      }
      if (read.type === 'Directory' || read.type === 'SymbolicLink') {
        fixups.push({
          path: normalizeEntryPath(read.path),
          kind: read.type === 'Directory' ? 'directory' : 'symlink',
          mode: (read.mode ?? 0o755) & 0o7777,
          uid: read.uid,
          gid: read.gid,
          mtime: read.mtime,
        });
      }
      return true;
    },
  });
  await feedArchive(options.artifact, options.compression, unpack, options.tap, options.signal);
  if (unsafe !== undefined) {
    throw new PhoenixError('BACKUP_UNSAFE_ENTRY', `refusing to restore: the archive contains ${unsafe}`, {
      hint: 'this archive was not written by phoenix-volumes or was tampered with; restore another backup',
      details: { artifact: options.artifact },
    });
  }
  for (const fixup of fixups.reverse()) await applyFixup(options.staging, fixup, options.preserveOwner);
}

async function applyFixup(root: string, fixup: Fixup, preserveOwner: boolean): Promise<void> {
  const path = join(root, fixup.path);
  const stat = await lstat(path);
  if (fixup.kind === 'directory') {
    if (!stat.isDirectory()) return;
    if (preserveOwner && fixup.uid !== undefined && fixup.gid !== undefined)
      await lchown(path, fixup.uid, fixup.gid);
    await chmod(path, fixup.mode);
    if (fixup.mtime) await utimes(path, fixup.mtime, fixup.mtime);
    return;
  }
  if (!stat.isSymbolicLink()) return;
  if (preserveOwner && fixup.uid !== undefined && fixup.gid !== undefined)
    await lchown(path, fixup.uid, fixup.gid);
  if (fixup.mtime) await lutimes(path, fixup.mtime, fixup.mtime);
}
