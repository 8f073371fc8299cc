import { statfs } from 'node:fs/promises';

/** The figures `df -B1` and `df -i` print for the filesystem holding a path. */
export interface FilesystemUsage {
  sizeBytes: number;
  /** df's "Used": blocks not free, root's reserve included. */
  usedBytes: number;
  /** df's "Avail": what an unprivileged user may still write. */
  availBytes: number;
  files: number;
  filesFree: number;
}

/** statfs of a path, in df's arithmetic (f_blocks, f_bfree, f_bavail times f_bsize). */
export async function readFilesystem(path: string): Promise<FilesystemUsage> {
  const st = await statfs(path);
  return {
    sizeBytes: st.blocks * st.bsize,
    usedBytes: (st.blocks - st.bfree) * st.bsize,
    availBytes: st.bavail * st.bsize,
    files: st.files,
    filesFree: st.ffree,
  };
}
