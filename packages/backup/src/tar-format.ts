import { decodeName, encodeName, isWellFormed } from './raw-names.ts';

/** The 512-byte block every tar header and body is padded to. */
export const BLOCK = 512;

/** What a header says about one entry, after any pax or GNU long-name records were applied. */
export interface TarEntry {
  path: string;
  /** node-tar's names ('File', 'Directory', ...), which entry-safety.ts checks. */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (fractional when a pax header said so; negative before 1970). */
  mtime: number;
  linkpath: string;
}

const TYPES: Record<string, string> = {
  '0': 'File',
  '\0': 'OldFile',
  '1': 'Link',
  '2': 'SymbolicLink',
  '3': 'CharacterDevice',
  '4': 'BlockDevice',
  '5': 'Directory',
  '6': 'FIFO',
  '7': 'ContiguousFile',
  x: 'ExtendedHeader',
  g: 'GlobalExtendedHeader',
  L: 'NextFileHasLongPath',
  K: 'NextFileHasLongLinkpath',
};

const FLAGS: Record<string, string> = { File: '0', Link: '1', SymbolicLink: '2', Directory: '5' };

/** The types the writer produces. */
export type WritableType = 'File' | 'Link' | 'SymbolicLink' | 'Directory';

const OCTAL_LIMIT = { 8: 0o7777777, 12: 0o77777777777 } as const;

/** Zero-padded octal digits and a NUL, written byte by byte (no string per field: headers are hot). */
function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  let rest = value;
  for (let i = offset + width - 2; i >= offset; i -= 1) {
    const digit = rest % 8;
    block[i] = 0x30 + digit;
    rest = (rest - digit) / 8;
  }
  block[offset + width - 1] = 0;
}

/** What every ustar header starts as: magic and version, empty owner names, device numbers 0. */
const TEMPLATE = (() => {
  const block = Buffer.alloc(BLOCK);
  block.write('ustar\x0000', 257, 8, 'latin1');
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  return block;
})();

/** `a/b/c` split so that prefix + '/' + name is the path, prefix ≤ 155 bytes and name ≤ 100 (ustar). */
function splitUstar(path: Buffer): { prefix: Buffer; name: Buffer } | null {
  if (path.length <= 100) return { prefix: Buffer.alloc(0), name: path };
  if (path.length > 256) return null;
  // A trailing '/' (directories) must stay with the name.
  for (let i = Math.min(155, path.length - 2); i > 0; i -= 1) {
    if (path[i] === 0x2f && path.length - i - 1 <= 100) {
      return { prefix: path.subarray(0, i), name: path.subarray(i + 1) };
    }
  }
  return null;
}

/** A path or link target: a string, or the exact bytes of one that is not valid UTF-8 (raw-names.ts). */
type Text = string | Buffer;

const byteLength = (text: Text) => (typeof text === 'string' ? Buffer.byteLength(text) : text.length);
const toBytes = (text: Text) => (typeof text === 'string' ? Buffer.from(text) : text);

/** Raw bytes are written as they are, as GNU tar does (Python's tarfile reads them back with surrogateescape). */
function paxRecord(key: string, value: Text): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), toBytes(value), Buffer.from('\n')]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length += 1;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

function checksum(block: Buffer, offset: number): number {
  let sum = 8 * 0x20; // the checksum field counts as spaces
  for (let i = offset; i < offset + 148; i += 1) sum += block[i] as number;
  for (let i = offset + 156; i < offset + BLOCK; i += 1) sum += block[i] as number;
  return sum;
}

interface HeaderFields {
  path: string;
  type: WritableType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkpath?: string | undefined;
}

type RawFields = Omit<HeaderFields, 'path' | 'linkpath'> & { path: Text; linkpath?: Text | undefined };

export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function paxRecords(fields: RawFields, pathBytes: number): Buffer[] {
  const pax: Buffer[] = [];
  if (pathBytes > 100 && splitUstar(toBytes(fields.path)) === null) pax.push(paxRecord('path', fields.path));
  if (fields.linkpath !== undefined && byteLength(fields.linkpath) > 100)
    pax.push(paxRecord('linkpath', fields.linkpath));
  if (fields.uid > OCTAL_LIMIT[8]) pax.push(paxRecord('uid', String(fields.uid)));
  if (fields.gid > OCTAL_LIMIT[8]) pax.push(paxRecord('gid', String(fields.gid)));
  if (fields.size > OCTAL_LIMIT[12]) pax.push(paxRecord('size', String(fields.size)));
  if (fields.mtime < 0 || fields.mtime > OCTAL_LIMIT[12]) pax.push(paxRecord('mtime', String(fields.mtime)));
  return pax;
}

/** Writes `text` (at most `max` bytes) at `block[offset]`. */
function writeText(block: Buffer, offset: number, text: Text, max: number): void {
  if (typeof text === 'string') block.write(text, offset, max);
  else text.copy(block, offset, 0, Math.min(max, text.length));
}

function writeUstar(block: Buffer, at: number, fields: RawFields, flag: string, pathBytes: number): void {
  TEMPLATE.copy(block, at);
  if (pathBytes <= 100) {
    writeText(block, at, fields.path, 100);
  } else {
    const path = toBytes(fields.path);
    const split = splitUstar(path) ?? { prefix: Buffer.alloc(0), name: path.subarray(0, 100) };
    split.name.copy(block, at);
    split.prefix.copy(block, at + 345);
  }
  writeOctal(block, at + 100, 8, fields.mode & 0o7777);
  writeOctal(block, at + 108, 8, fields.uid > OCTAL_LIMIT[8] ? 0 : fields.uid);
  writeOctal(block, at + 116, 8, fields.gid > OCTAL_LIMIT[8] ? 0 : fields.gid);
  writeOctal(block, at + 124, 12, fields.size > OCTAL_LIMIT[12] ? 0 : fields.size);
  const mtime = fields.mtime < 0 || fields.mtime > OCTAL_LIMIT[12] ? 0 : fields.mtime;
  writeOctal(block, at + 136, 12, mtime);
  block[at + 156] = flag.charCodeAt(0);
  if (fields.linkpath !== undefined) writeText(block, at + 157, fields.linkpath, 100);
  writeOctal(block, at + 148, 7, checksum(block, at)); // six digits, NUL, then a space, as GNU tar writes
  block[at + 155] = 0x20;
}

/**
 * Writes the header of one entry at `block[at]` — POSIX ustar, preceded by a pax header only for what
 * ustar cannot hold (long paths, ids ≥ 2^21, sizes ≥ 8 GiB) — and returns the bytes written, or 0
 * (writing nothing) when they do not fit before the end of `block`. GNU tar, bsdtar and node-tar read it.
 * Names escaped by raw-names.ts are written as their original bytes.
 */
export function encodeHeader(block: Buffer, at: number, header: HeaderFields): number {
  const { path, linkpath } = header;
  const fields: RawFields = {
    ...header,
    path: isWellFormed(path) ? path : encodeName(path),
    linkpath: linkpath === undefined || isWellFormed(linkpath) ? linkpath : encodeName(linkpath),
  };
  const pathBytes = byteLength(fields.path);
  const pax = paxRecords(fields, pathBytes);
  const body = pax.length === 0 ? null : Buffer.concat(pax);
  const length = body === null ? BLOCK : 2 * BLOCK + padded(body.length);
  if (at + length > block.length) return 0;
  let offset = at;
  if (body !== null) {
    const name = `./PaxHeaders/${path.split('/').filter(Boolean).at(-1) ?? 'root'}`.slice(0, 90);
    const meta = { ...fields, path: name, size: body.length, linkpath: undefined };
    writeUstar(block, offset, meta, 'x', Buffer.byteLength(name));
    offset += BLOCK;
    block.fill(0, offset, offset + padded(body.length));
    body.copy(block, offset);
    offset += padded(body.length);
  }
  writeUstar(block, offset, fields, FLAGS[fields.type] as string, pathBytes);
  return length;
}

/** A NUL-terminated field as a name (bytes that are not UTF-8 escaped, see raw-names.ts). */
function readString(block: Buffer, offset: number, length: number): string {
  const end = block.indexOf(0, offset);
  return decodeName(block, offset, end === -1 || end > offset + length ? offset + length : end);
}

function readNumber(block: Buffer, offset: number, length: number): number {
  if (((block[offset] as number) & 0x80) !== 0) {
    // GNU base-256: big-endian two's complement, first byte's top bit set; 0xff starts a negative
    // number (GNU tar writes mtimes before 1970 so).
    const negative = block[offset] === 0xff;
    let value = negative ? -1 : (block[offset] as number) & 0x7f;
    for (let i = offset + 1; i < offset + length; i += 1) value = value * 256 + (block[i] as number);
    if (!Number.isSafeInteger(value)) throw new Error('number out of range in tar header');
    return value;
  }
  // Octal digits, optionally after spaces and ended by NUL or space (what ustar, GNU and v7 write).
  let value = 0;
  let digits = 0;
  let i = offset;
  const end = offset + length;
  while (i < end && block[i] === 0x20) i += 1;
  for (; i < end; i += 1) {
    const c = block[i] as number;
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
    digits += 1;
  }
  for (; i < end; i += 1) {
    if (block[i] !== 0 && block[i] !== 0x20) throw new Error('invalid number in tar header');
  }
  return digits === 0 ? 0 : value;
}

/** True for the zero-filled blocks that end an archive. */
export function isZeroBlock(block: Buffer, at: number): boolean {
  for (let i = at; i < at + BLOCK; i += 1) if (block[i] !== 0) return false;
  return true;
}

/**
 * Reads the header at `block[at]` (ustar, GNU or v7), checking its checksum. Meta entries (pax, GNU
 * long names) come back with their node-tar type name; the parser applies them to the next entry.
 */
export function decodeHeader(block: Buffer, at: number): TarEntry {
  const stored = readNumber(block, at + 148, 8);
  if (stored !== checksum(block, at)) throw new Error('tar header checksum mismatch: the archive is damaged');
  const mode = readNumber(block, at + 100, 8);
  const uid = readNumber(block, at + 108, 8);
  const gid = readNumber(block, at + 116, 8);
  const size = readNumber(block, at + 124, 12);
  // Only a time may be negative (before 1970).
  if (mode < 0 || uid < 0 || gid < 0 || size < 0) throw new Error('negative number in tar header');
  const flag = String.fromCharCode(block[at + 156] as number);
  const magic = block.toString('latin1', at + 257, at + 263);
  const name = readString(block, at, 100);
  // POSIX ustar keeps a path prefix at 345; GNU format ("ustar  ") uses that area for other fields.
  const prefix = magic === 'ustar\0' ? readString(block, at + 345, 155) : '';
  return {
    path: prefix === '' ? name : `${prefix}/${name}`,
    type: TYPES[flag] ?? `Unsupported type ${JSON.stringify(flag)}`,
    mode,
    uid,
    gid,
    size,
    mtime: readNumber(block, at + 136, 12),
    linkpath: readString(block, at + 157, 100),
  };
}

/** Parses pax records (`<len> key=value\n`...) into a map; malformed input throws. */
export function parsePax(body: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < body.length) {
    if (body[offset] === 0) break;
    const space = body.indexOf(0x20, offset);
    const length = Number.parseInt(body.toString('latin1', offset, space), 10);
    if (space === -1 || !Number.isInteger(length) || length <= 0 || offset + length > body.length)
      throw new Error('malformed pax header');
    const equals = body.indexOf(0x3d, space + 1);
    if (equals === -1 || equals >= offset + length - 1) throw new Error('malformed pax header');
    // Values may be raw bytes (GNU tar writes names that are not UTF-8 so): escaped, not replaced.
    records.set(body.toString('utf8', space + 1, equals), decodeName(body, equals + 1, offset + length - 1));
    offset += length;
  }
  return records;
}
