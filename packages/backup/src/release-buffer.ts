/** Buffers this small may be views of Node's shared allocation pool: never released. */
const OWN_ALLOCATION = Math.max(64 * 1024, Buffer.poolSize + 1);

/**
 * Frees a large buffer's memory now instead of at some later garbage collection: V8 lets well over
 * 100 MB of dropped buffers pile up before it collects them, which would make memory grow with the
 * data (measured: 4 MiB buffers allocated and dropped in a loop reached 201 MB of RSS; released this
 * way, 74 MB). The caller must own the whole underlying ArrayBuffer — a zlib output it consumed —
 * and drop every view of it: they become empty. Buffers that cannot be detached are left to the GC.
 */
export function releaseBuffer(buffer: Buffer): void {
  const backing = buffer.buffer as ArrayBufferLike & { transfer?: (length: number) => ArrayBuffer };
  if (backing.byteLength < OWN_ALLOCATION || typeof backing.transfer !== 'function') return;
  try {
    backing.transfer(0);
  } catch {
    // not detachable (Node keeps some buffers attached): the garbage collector frees it later
  }
}
