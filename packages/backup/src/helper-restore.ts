import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PhoenixError } from '@phoenix-hydra/errors';
import { BufferedFile } from './buffered-file.ts';
import { normalizeEntryPath, unsafeReason } from './entry-safety.ts';
import type { ManifestVolume } from './manifest.ts';
import { plainContent, scanArchive } from './read-archive.ts';
import type { TarEntry } from './tar-format.ts';
import { refuseDamaged, verifyVolume } from './verify.ts';

/**
 * An entry whose path runs through a symlink the archive made earlier (`a -> /`, then `a/etc/x`): local
 * extraction never follows links (extract.ts), but a tar in a helper container would, so such an archive
 * is refused here, before any byte reaches it.
 */
export function throughLinkCheck(): (entry: TarEntry) => string | null {
  const links = new Set<string>();
  return (entry) => {
    const reason = unsafeReason(entry);
    if (reason !== null) return reason;
    const path = normalizeEntryPath(entry.path);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i += 1) {
      const parent = parts.slice(0, i).join('/');
      if (links.has(parent)) return `${entry.path} lies under the symlink ${parent}`;
    }
    if (entry.type === 'SymbolicLink') links.add(path);
    else links.delete(path);
    return null;
  };
}

/**
 * Everything restoring an archive through a helper container checks in Node first (before a byte reaches
 * the machine): the artifact's sha256, size, entry count, content bytes and entry list against the
 * manifest, unsafe entries (absolute, `..`, devices, setuid, hard links out), and paths under a symlink
 * of the archive. Throws BACKUP_UNSAFE_ENTRY or BACKUP_CORRUPT; nothing is changed then.
 */
export async function checkForHelperRestore(
  backupPath: string,
  volume: ManifestVolume,
  signal?: AbortSignal,
): Promise<void> {
  if (volume.strategy !== 'archive') throw new PhoenixError('USAGE', `${volume.name} is not an archive`);
  const problems = await verifyVolume(backupPath, volume, { signal });
  if (problems.length === 0) {
    const scan = await scanArchive(join(backupPath, volume.artifact), volume.compression, {
      check: throughLinkCheck(),
      signal,
    });
    for (const reason of scan.unsafe.slice(0, 5)) problems.push(`${volume.name}: unsafe entry: ${reason}`);
  }
  refuseDamaged(volume.name, problems);
}

/** The archive's plain tar bytes, decompressed as they are read (copied: the pipe keeps them): what a helper's `tar -x` reads. */
export function plainTarStream(backupPath: string, volume: ManifestVolume): Readable {
  if (volume.strategy !== 'archive') throw new PhoenixError('USAGE', `${volume.name} is not an archive`);
  const path = join(backupPath, volume.artifact);
  const compression = volume.compression;
  return Readable.from(
    (async function* () {
      const handle = await open(path, 'r');
      try {
        const content = plainContent(new BufferedFile(handle), compression);
        for await (const piece of content) yield Buffer.from(piece);
      } finally {
        await handle.close();
      }
    })(),
  );
}
