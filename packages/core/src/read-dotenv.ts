import { join } from 'node:path';
import { PhoenixError } from '@phoenix-hydra/errors';
import type { Env } from './interpolate.ts';
import { readInputFile } from './read-input-file.ts';

/** A `.env` larger than this is not a list of variables. */
export const MAX_DOTENV_BYTES = 1024 * 1024;

// The grammar of python-dotenv's parser.py, which podman-compose reads `.env` with (sticky regexes).
const sticky = (source: string) => new RegExp(source, 'uy');
const MULTILINE_WHITESPACE = sticky(String.raw`\s*`);
const WHITESPACE = sticky(String.raw`[^\S\r\n]*`);
const EXPORT = sticky(String.raw`(?:export[^\S\r\n]+)?`);
const SINGLE_QUOTED_KEY = sticky("'([^']+)'");
const UNQUOTED_KEY = sticky(String.raw`([^=#\s]+)`);
const EQUAL_SIGN = sticky(String.raw`=[^\S\r\n]*`);
const SINGLE_QUOTED_VALUE = sticky(String.raw`'((?:\\'|[^'])*)'`);
const DOUBLE_QUOTED_VALUE = sticky(String.raw`"((?:\\"|[^"])*)"`);
const UNQUOTED_VALUE = sticky(String.raw`([^\r\n]*)`);
const COMMENT = sticky(String.raw`(?:[^\S\r\n]*#[^\r\n]*)?`);
const END_OF_LINE = sticky(String.raw`[^\S\r\n]*(?:\r\n|\n|\r|$)`);
const REST_OF_LINE = sticky(String.raw`[^\r\n]*(?:\r\n|\r|\n)?`);
const DOUBLE_QUOTE_ESCAPES = /\\[\\'"abfnrtv]/g;
const SINGLE_QUOTE_ESCAPES = /\\[\\']/g;
const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};
/** python-dotenv expands only `${NAME}` and `${NAME:-default}`; `$NAME`, `$1` and `$2y$…` stay text. */
const VARIABLE = /\$\{([^}:]*)(?::-([^}]*))?\}/g;

class Reader {
  pos = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  read(regex: RegExp): string[] | undefined {
    regex.lastIndex = this.pos;
    const match = regex.exec(this.text);
    if (match === null) return undefined;
    this.pos += match[0].length;
    return match.slice(1).map((group) => group ?? '');
  }
  lineAt(pos: number): number {
    let line = 1;
    for (let index = 0; index < pos; index += 1) {
      const char = this.text[index];
      if (char === '\n' || (char === '\r' && this.text[index + 1] !== '\n')) line += 1;
    }
    return line;
  }
}

const decodeEscapes = (text: string, escapes: RegExp) =>
  text.replace(escapes, (match) => ESCAPES[match[1] ?? ''] ?? match[1] ?? '');

/** A quoted or unquoted value with python-dotenv's escapes; undefined when a quote is not closed. */
function readValue(reader: Reader): string | undefined {
  const quote = reader.text[reader.pos];
  if (quote === "'") {
    const inner = reader.read(SINGLE_QUOTED_VALUE)?.[0];
    return inner === undefined ? undefined : decodeEscapes(inner, SINGLE_QUOTE_ESCAPES);
  }
  if (quote === '"') {
    const inner = reader.read(DOUBLE_QUOTED_VALUE)?.[0];
    return inner === undefined ? undefined : decodeEscapes(inner, DOUBLE_QUOTE_ESCAPES);
  }
  return (reader.read(UNQUOTED_VALUE)?.[0] ?? '').replace(/\s+#.*/su, '').trimEnd();
}

/** One `KEY=value`, bare `KEY` (value undefined) or comment; undefined when the line does not parse. */
function readBinding(reader: Reader): { key?: string; value?: string | undefined } | undefined {
  reader.read(EXPORT);
  if (reader.text[reader.pos] === '#') return reader.read(COMMENT) && reader.read(END_OF_LINE) && {};
  const quotedKey = reader.text[reader.pos] === "'";
  const key = reader.read(quotedKey ? SINGLE_QUOTED_KEY : UNQUOTED_KEY)?.[0];
  if (key === undefined) return undefined;
  reader.read(WHITESPACE);
  let value: string | undefined;
  if (reader.text[reader.pos] === '=') {
    reader.read(EQUAL_SIGN);
    value = readValue(reader);
    if (value === undefined) return undefined;
  }
  reader.read(COMMENT);
  return reader.read(END_OF_LINE) === undefined ? undefined : { key, value };
}

/**
 * Parses a `.env` file as podman-compose does (python-dotenv): `KEY=value`, `export`, bare `KEY`
 * (declared, no value), any key without "=", "#" or spaces, quotes with python-dotenv's escapes, and
 * `${NAME}` / `${NAME:-default}` expanded in every value against `env` and earlier keys (those win).
 * A line python-dotenv cannot parse is an error naming its line, where python-dotenv only warns.
 */
export function parseDotenv(text: string, file: string, env: Env = {}): Record<string, string> {
  const result: Record<string, string> = {};
  const reader = new Reader(text.startsWith('\uFEFF') ? text.slice(1) : text);
  while (reader.pos < reader.text.length) {
    reader.read(MULTILINE_WHITESPACE);
    if (reader.pos >= reader.text.length) break;
    const start = reader.pos;
    const binding = readBinding(reader);
    if (binding === undefined) {
      const line = reader.lineAt(start);
      reader.pos = start;
      const shown = (reader.read(REST_OF_LINE)?.[0] ?? '').trim() || reader.text.slice(start, start + 40);
      const quoted = /^[^=]*=\s*["']/.test(shown) ? ' (an unterminated quote?)' : '';
      throw new PhoenixError('COMPOSE_INVALID', `${file}:${line}:1: cannot parse this line${quoted}`, {
        hint: `write KEY=value on line ${line} of ${file} (quote values with spaces or "#", close every quote)`,
        details: { file, line },
      });
    }
    if (binding.key === undefined || binding.value === undefined) continue;
    const lookup = { ...env, ...result };
    result[binding.key] = binding.value.replace(
      VARIABLE,
      (_, name: string, fallback: string | undefined) => lookup[name] ?? fallback ?? '',
    );
  }
  return result;
}

/** Reads `<dir>/.env` as compose does; a missing file is an empty environment. */
export async function readDotenv(dir: string, env: Env = {}): Promise<Record<string, string>> {
  const file = join(dir, '.env');
  const text = await readInputFile(file, {
    what: '.env file',
    maxBytes: MAX_DOTENV_BYTES,
    code: 'COMPOSE_INVALID',
    allowMissing: true,
  });
  return text === undefined ? {} : parseDotenv(text, file, env);
}
