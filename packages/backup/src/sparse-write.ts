import { ftruncateSync, writeSync } from 'node:fs';

/** Holes are made of file system blocks (4 KiB on the usual file systems)... */
const BLOCK = 4096;
/**
 * ...and only for runs of zeros this long: a database page's free space (zeros inside an 8 KiB page)
 * stays allocated, so restored relation files are not fragmented; a sparse file's holes come back.
 */
const MIN_HOLE = 16 * 1024;
const ZEROS = Buffer.alloc(BLOCK);

function writeAt(fd: number, piece: Buffer, from: number, to: number, position: number): void {
  let offset = from;
  while (offset < to) offset += writeSync(fd, piece, offset, to - offset, position + (offset - from));
}

/**
 * Writes a new file from consecutive pieces, leaving runs of at least 16 KiB of zero blocks (aligned
 * to 4 KiB of the file) unwritten, as holes, so a sparse file restores about as sparse as it was
 * instead of fully allocated (what `tar --sparse` and `cp --sparse` do). Data is written one piece
 * at a time as before; zeros only where a short run of them spans two pieces.
 */
export class SparseWriter {
  readonly #fd: number;
  #position = 0;
  /** The file's size so far (short of `#position` while it ends in a hole). */
  #size = 0;
  /** File offset where a run of zero blocks began in an earlier piece and is not written yet, or -1. */
  #carried = -1;

  constructor(fd: number) {
    this.#fd = fd;
  }

  write(piece: Buffer): void {
    const position = this.#position;
    let from = 0; // bytes of `piece` before this are written, or a hole
    // Where the current run of zero blocks began in `piece` (0 for one carried over), or -1.
    let zeros = this.#carried === -1 ? -1 : 0;
    for (let at = 0; at < piece.length; ) {
      const next = Math.min(piece.length, at + BLOCK - ((position + at) % BLOCK));
      // Most blocks of real data fail the first byte test: the full compare runs on likely zeros only.
      const zero =
        piece[at] === 0 && piece[next - 1] === 0 && piece.compare(ZEROS, 0, next - at, at, next) === 0;
      if (zero && zeros === -1) zeros = at;
      if (!zero && zeros !== -1) {
        const start = zeros === 0 && this.#carried !== -1 ? this.#carried : position + zeros;
        if (position + at - start >= MIN_HOLE) {
          this.#data(piece, from, zeros);
          from = at;
        } else if (start < position) {
          this.#zeros(start, position); // a short run began in the last piece: its zeros are due
        }
        this.#carried = -1;
        zeros = -1;
      }
      at = next;
    }
    if (zeros === -1) {
      this.#data(piece, from, piece.length);
    } else {
      // Ends in zeros: the next piece tells whether they make a hole.
      this.#data(piece, from, zeros);
      if (zeros > 0 || this.#carried === -1) this.#carried = position + zeros;
    }
    this.#position += piece.length;
  }

  /** Writes what is still due and gives the file its full size when it ends in a hole. */
  finish(): void {
    if (this.#carried !== -1 && this.#position - this.#carried < MIN_HOLE)
      this.#zeros(this.#carried, this.#position);
    this.#carried = -1;
    if (this.#size < this.#position) ftruncateSync(this.#fd, this.#position);
  }

  #data(piece: Buffer, from: number, to: number): void {
    if (to <= from) return;
    writeAt(this.#fd, piece, from, to, this.#position + from);
    this.#size = this.#position + to;
  }

  #zeros(from: number, to: number): void {
    for (let at = from; at < to; at += BLOCK) writeAt(this.#fd, ZEROS, 0, Math.min(BLOCK, to - at), at);
    this.#size = Math.max(this.#size, to);
  }
}
