import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { PhoenixError } from '@phoenix-hydra/errors';
import { FRAME_BYTES, frameLane } from './compression.ts';
import { EntryListHash } from './entry-list.ts';
import { normalizeEntryPath, unsafeReason } from './entry-safety.ts';
import { leftOut } from './pack-tree.ts';
import { progressMeter } from './progress.ts';
import { BLOCK, encodeHeader, padded, type TarEntry, type WritableType } from './tar-format.ts';
import { TarParser } from './tar-parser.ts';
import type { Compression, OnProgress } from './types.ts';
import type { ArchiveStats } from './write-archive.ts';

export interface ArchiveFromTarOptions {
  /** A tar stream of the volume's root (`tar -c -C ROOT .`, GNU, busybox or ustar), as its container sees it. */
  input: AsyncIterable<Buffer>;
  /** Created with O_EXCL and mode 0600; fsynced before returning. */
  out: string;
  compression: Compression;
  volume: string;
  onProgress?: OnProgress | undefined;
  signal?: AbortSignal | undefined;
  /** Root names to leave out, by prefix, as writeArchive does. */
  leaveOut?: readonly string[] | undefined;
}

const WRITTEN: Record<string, WritableType> = {
  File: 'File',
  OldFile: 'File',
  ContiguousFile: 'File',
  Directory: 'Directory',
  SymbolicLink: 'SymbolicLink',
  Link: 'Link',
};

/** `a/b` → `./a/b`, the root → `.`: the paths writeArchive writes. */
const ours = (path: string) => {
  const normal = normalizeEntryPath(path);
  return normal === '.' ? '.' : `./${normal}`;
};

/**
 * Rewrites a tar stream made elsewhere (a helper container through a remote podman) into the archive
 * writeArchive makes of a local directory: the same headers (numeric owners as the container sees them,
 * modes, mtimes, `./` paths, links), zstd/gzip frames, artifact hash and entry-list digest, so verify and
 * a local restore read it as any other backup. Entries a restore would refuse (absolute paths, `..`,
 * hard links out of the tree) fail the backup; sockets, fifos and devices are skipped, as locally.
 */
export async function archiveFromTar(options: ArchiveFromTarOptions): Promise<ArchiveStats> {
  const meter = progressMeter(options.onProgress, {
    operation: 'backup',
    volume: options.volume,
    bytesTotal: undefined,
  });
  const lane = frameLane(options.compression);
  const hash = createHash('sha256');
  const list = new EntryListHash();
  const stats = { entries: 0, bytes: 0, artifactBytes: 0, skipped: [] as string[] };
  let block = Buffer.allocUnsafeSlow(FRAME_BYTES);
  let fill = 0;
  const full: Buffer[] = [];
  const take = (length: number) => {
    if (fill + length > block.length) {
      if (fill > 0) full.push(block.subarray(0, fill));
      block = Buffer.allocUnsafeSlow(Math.max(FRAME_BYTES, length));
      fill = 0;
    }
  };
  let copying = false;
  let pad = 0;
  const parser = new TarParser({
    entry(entry: TarEntry) {
      const type = WRITTEN[entry.type];
      if (leftOut(normalizeEntryPath(entry.path), options.leaveOut)) {
        copying = false;
        return;
      }
      if (type === 'Link' && leftOut(normalizeEntryPath(entry.linkpath), options.leaveOut)) {
        throw new PhoenixError(
          'BACKUP_FAILED',
          `${entry.path} in volume ${options.volume} is a hard link into ${entry.linkpath}, which backups leave out`,
          { hint: 'replace the hard link by a copy of the file, then back up again' },
        );
      }
      if (type === undefined) {
        stats.skipped.push(normalizeEntryPath(entry.path));
        copying = false;
        return;
      }
      const path = ours(entry.path);
      const linkpath =
        type === 'Link' ? ours(entry.linkpath) : type === 'SymbolicLink' ? entry.linkpath : undefined;
      // Judged as the stream names it, before any normalising could hide an absolute path or `..`.
      const reason = unsafeReason({ path: entry.path, type, linkpath: entry.linkpath, mode: 0 });
      if (reason !== null || (path === '.' && type !== 'Directory')) {
        throw new PhoenixError(
          'BACKUP_FAILED',
          `the tar stream of volume ${options.volume} holds an entry no restore would accept: ${reason ?? `${type} root`}`,
          {
            hint: 'the helper container sent something other than the volume tree: check the image the stack uses',
            details: { path: entry.path, type: entry.type },
          },
        );
      }
      const size = type === 'File' ? entry.size : 0;
      const header = {
        path: type === 'Directory' && path !== '.' ? `${path}/` : type === 'Directory' ? './' : path,
        type,
        mode: entry.mode & 0o7777,
        uid: entry.uid,
        gid: entry.gid,
        mtime: Math.floor(entry.mtime),
        size,
        linkpath,
      };
      take(3 * BLOCK + 2048);
      let written = encodeHeader(block, fill, header);
      if (written === 0) {
        take(block.length + 1); // a header with a long pax record: a block of its own
        written = encodeHeader(block, fill, header);
      }
      fill += written;
      stats.entries += 1;
      stats.bytes += size;
      list.add(header);
      copying = size > 0;
      pad = padded(size) - size;
    },
    data(piece: Buffer) {
      if (!copying) return;
      let at = 0;
      while (at < piece.length) {
        if (fill === block.length) take(FRAME_BYTES);
        const n = Math.min(piece.length - at, block.length - fill);
        piece.copy(block, fill, at, at + n);
        fill += n;
        at += n;
      }
    },
    entryEnd() {
      if (copying && pad > 0) {
        take(pad);
        block.fill(0, fill, fill + pad);
        fill += pad;
      }
      copying = false;
      pad = 0;
    },
  });
  const handle = await open(options.out, 'wx', 0o600);
  const flush = async (pieces: Buffer[]) => {
    for (const piece of pieces) {
      meter.add(piece.length);
      const frame = await lane.compress(piece);
      for (const f of frame) {
        hash.update(f);
        stats.artifactBytes += f.length;
        await handle.write(f);
      }
    }
  };
  try {
    for await (const chunk of options.input) {
      options.signal?.throwIfAborted();
      if (!parser.ended) parser.write(chunk);
      if (full.length > 0) await flush(full.splice(0));
    }
    parser.end();
    take(2 * BLOCK);
    block.fill(0, fill, fill + 2 * BLOCK);
    fill += 2 * BLOCK;
    await flush([...full.splice(0), block.subarray(0, fill)]);
    options.signal?.throwIfAborted();
    await handle.sync();
  } catch (error) {
    if (error instanceof PhoenixError) throw error;
    if (options.signal?.aborted) throw error;
    throw new PhoenixError(
      'BACKUP_FAILED',
      `the tar stream of volume ${options.volume} could not be read: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    lane.close();
    await handle.close();
  }
  meter.finish();
  return {
    entries: stats.entries,
    bytes: stats.bytes,
    artifactBytes: stats.artifactBytes,
    sha256: hash.digest('hex'),
    entryListSha256: list.digest(),
    skipped: stats.skipped,
  };
}
