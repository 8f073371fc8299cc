/**
 * File names are bytes; tar headers and the fs API carry them here as strings. A name that is not
 * valid UTF-8 is decoded the way Python's `surrogateescape` does it: each byte that is not part of a
 * valid sequence becomes the lone surrogate U+DC80..U+DCFF, which valid UTF-8 never decodes to. The
 * mapping is reversible, so such names are backed up and restored byte for byte, and two different
 * names never become the same string.
 */

/** True unless `text` holds a lone surrogate (ES2024's String.prototype.isWellFormed; Node ≥ 20). */
export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/** The length of the valid UTF-8 sequence starting at `bytes[at]`, or 0 when there is none. */
function sequenceLength(bytes: Buffer, at: number, end: number): number {
  const first = bytes[at] as number;
  const length =
    first >= 0xc2 && first <= 0xdf
      ? 2
      : first >= 0xe0 && first <= 0xef
        ? 3
        : first >= 0xf0 && first <= 0xf4
          ? 4
          : 0;
  if (length === 0 || at + length > end) return 0;
  for (let i = at + 1; i < at + length; i += 1) if (((bytes[i] as number) & 0xc0) !== 0x80) return 0;
  const second = bytes[at + 1] as number;
  // Overlong forms, UTF-16 surrogates and code points above U+10FFFF are not valid UTF-8.
  if (first === 0xe0 && second < 0xa0) return 0;
  if (first === 0xed && second >= 0xa0) return 0;
  if (first === 0xf0 && second < 0x90) return 0;
  if (first === 0xf4 && second >= 0x90) return 0;
  return length;
}

/** `bytes[start, end)` as a name: plain UTF-8 when valid, invalid bytes escaped as lone surrogates. */
export function decodeName(bytes: Buffer, start = 0, end = bytes.length): string {
  const text = bytes.toString('utf8', start, end);
  if (!text.includes('\uFFFD')) return text; // valid (a real U+FFFD is re-checked below)
  let out = '';
  let run = start;
  let at = start;
  while (at < end) {
    const byte = bytes[at] as number;
    if (byte < 0x80) {
      at += 1;
      continue;
    }
    const length = sequenceLength(bytes, at, end);
    if (length > 0) {
      at += length;
      continue;
    }
    out += bytes.toString('utf8', run, at) + String.fromCharCode(0xdc00 + byte);
    at += 1;
    run = at;
  }
  return out + bytes.toString('utf8', run, end);
}

/** The bytes of a name `decodeName` produced (plain UTF-8 for any well-formed string). */
export function encodeName(name: string): Buffer {
  if (isWellFormed(name)) return Buffer.from(name);
  const pieces: Buffer[] = [];
  let run = 0;
  for (let i = 0; i < name.length; i += 1) {
    const unit = name.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = name.charCodeAt(i + 1);
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i += 1; // a surrogate pair: an ordinary character
      continue;
    }
    pieces.push(Buffer.from(name.slice(run, i)));
    // Escaped bytes come back; any other lone surrogate cannot be a file name's byte.
    pieces.push(unit >= 0xdc80 && unit <= 0xdcff ? Buffer.of(unit - 0xdc00) : Buffer.from('\uFFFD'));
    run = i + 1;
  }
  pieces.push(Buffer.from(name.slice(run)));
  return Buffer.concat(pieces);
}

/** What to hand the fs API for a name or path: the string itself, or its exact bytes when escaped. */
export function fsName(name: string): string | Buffer {
  return isWellFormed(name) ? name : encodeName(name);
}
