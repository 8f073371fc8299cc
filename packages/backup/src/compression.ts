import type { Transform } from 'node:stream';
import { constants, createGunzip, createGzip, createZstdCompress, createZstdDecompress } from 'node:zlib';
import type { Compression } from './types.ts';

/** zstd level 3 with a content checksum (what `zstd -3` writes), or gzip level 6; both read by GNU tar. */
export function compressor(compression: Compression): Transform {
  if (compression === 'gzip') return createGzip({ level: 6 });
  return createZstdCompress({
    params: { [constants.ZSTD_c_compressionLevel]: 3, [constants.ZSTD_c_checksumFlag]: 1 },
  });
}

export function decompressor(compression: Compression): Transform {
  return compression === 'gzip' ? createGunzip() : createZstdDecompress();
}

export function archiveExtension(compression: Compression): string {
  return compression === 'gzip' ? 'tar.gz' : 'tar.zst';
}
