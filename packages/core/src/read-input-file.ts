import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { PhoenixErrorCode } from '@phoenix-hydra/errors';
import { PhoenixError } from '@phoenix-hydra/errors';

/** How a file a user wrote (compose, `.env`, agent config) may be read. */
export interface ReadInputOptions {
  /** Larger files are refused before they are read. */
  maxBytes: number;
  /** Code of every refusal except a missing file. */
  code: PhoenixErrorCode;
  /** Code for a missing file; defaults to `code`. */
  missingCode?: PhoenixErrorCode;
  /** A missing file reads as undefined instead of an error. */
  allowMissing?: boolean;
  /** What the file is, for messages: "compose file", ".env file", "config file". */
  what: string;
  /** The fix to suggest for a missing or unreadable file. */
  hint?: string;
}

const KINDS: [number, string][] = [
  [constants.S_IFIFO, 'a FIFO'],
  [constants.S_IFCHR, 'a character device'],
  [constants.S_IFBLK, 'a block device'],
  [constants.S_IFSOCK, 'a socket'],
  [constants.S_IFDIR, 'a directory'],
];

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at >= 0 && at < index; at = text.indexOf('\n', at + 1)) line += 1;
  return line;
}

/** Strict UTF-8 without NUL bytes; a UTF-16 file or binary data is named, never echoed back. */
function decode(file: string, bytes: Buffer, code: PhoenixErrorCode, what: string): string {
  const fail = (problem: string) =>
    new PhoenixError(code, `${what} ${file} ${problem}`, {
      hint: `save ${file} as UTF-8 text`,
      details: { file },
    });
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || bytes[1] === 0;
  if (utf16 && bytes.length > 1) throw fail('is UTF-16 (or binary), not UTF-8 text');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail('is not UTF-8 text');
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) throw fail(`contains a NUL byte at line ${lineOf(text, nul)}`);
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/**
 * Reads a small text file a user wrote, refusing what would hang or flood a command: a FIFO, device,
 * socket or directory (opened non-blocking, checked with fstat before any read), more than `maxBytes`,
 * and anything but UTF-8 text. Every refusal is a one-line PhoenixError naming the file and the fix.
 */
export async function readInputFile(
  file: string,
  options: ReadInputOptions & { allowMissing: true },
): Promise<string | undefined>;
export async function readInputFile(file: string, options: ReadInputOptions): Promise<string>;
export async function readInputFile(file: string, options: ReadInputOptions): Promise<string | undefined> {
  const { maxBytes, code, what } = options;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT' && options.allowMissing) return undefined;
    const reason = errno === 'ENOENT' ? 'does not exist' : `cannot be read (${errno ?? 'error'})`;
    throw new PhoenixError(
      errno === 'ENOENT' ? (options.missingCode ?? code) : code,
      `${what} ${file} ${reason}`,
      {
        hint: options.hint ?? `check the path ${file} and its permissions`,
        cause: error,
        details: { file },
      },
    );
  }
  try {
    const stat = await handle.stat();
    const kind = KINDS.find(([type]) => (stat.mode & constants.S_IFMT) === type)?.[1];
    if (kind !== undefined) {
      throw new PhoenixError(code, `${what} ${file} is ${kind}, not a regular file`, {
        hint: `point at the file itself, not ${kind}`,
        details: { file },
      });
    }
    if (stat.size > maxBytes) {
      throw new PhoenixError(
        code,
        `${what} ${file} is ${stat.size} bytes, more than the ${maxBytes} allowed`,
        {
          hint: `check that ${file} is the file you meant; it is far larger than any real one`,
          details: { file, size: stat.size, maxBytes },
        },
      );
    }
    // Read in chunks: /proc and other special files report a size of 0.
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) {
        throw new PhoenixError(code, `${what} ${file} is more than the ${maxBytes} bytes allowed`, {
          hint: `check that ${file} is the file you meant`,
          details: { file, maxBytes },
        });
      }
    }
    return decode(file, Buffer.concat(chunks), code, what);
  } finally {
    await handle.close();
  }
}
