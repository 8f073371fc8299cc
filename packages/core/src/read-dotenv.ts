import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PhoenixErrorCode } from './errors.ts';
import { isPhoenixError, PhoenixError } from './errors.ts';
import type { Env } from './interpolate.ts';
import { interpolate } from './interpolate.ts';

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/s;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '$$' };

function closingQuote(text: string, quote: string): number {
  if (quote === "'") return text.indexOf("'");
  for (let index = 0; index < text.length; index += 1) {
    if (text[index] === '\\') index += 1;
    else if (text[index] === '"') return index;
  }
  return -1;
}

/** Reads a quoted value that may span lines; returns the text inside and the number of lines consumed. */
function readQuoted(lines: string[], start: number, first: string, quote: string): [string, number] {
  let text = first.slice(1);
  for (let index = start; ; index += 1) {
    const end = closingQuote(text, quote);
    if (end >= 0) return [text.slice(0, end), index - start + 1];
    if (index + 1 >= lines.length) throw new Error('unterminated quoted value');
    text += `\n${lines[index + 1]}`;
  }
}

/**
 * Parses a compose `.env` file: KEY=value, `export`, comments, quotes; unquoted and double-quoted
 * values are interpolated against `env` and earlier keys, single-quoted ones are literal.
 */
export function parseDotenv(text: string, file: string, env: Env = {}): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const match = ASSIGNMENT.exec(line);
    const fail = (reason: string, code: PhoenixErrorCode = 'COMPOSE_INVALID', hint?: string) =>
      new PhoenixError(code, `${file}:${index + 1}:1: ${reason}`, {
        hint: hint ?? `write KEY=value on line ${index + 1} of ${file}`,
        details: { file, line: index + 1 },
      });
    if (match?.[1] === undefined) throw fail('expected KEY=value');
    const [key, rawValue = ''] = [match[1], match[2]];
    const lookup = { ...result, ...env };
    try {
      const quote = rawValue.startsWith('"') || rawValue.startsWith("'") ? rawValue[0] : undefined;
      if (quote === undefined) {
        result[key] = interpolate(rawValue.replace(/\s+#.*$/, '').trim(), lookup).value;
        continue;
      }
      const [inner, consumed] = readQuoted(lines, index, rawValue, quote);
      index += consumed - 1;
      if (quote === "'") {
        result[key] = inner;
      } else {
        const unescaped = inner.replace(/\\([nrt\\"$])/g, (_, char: string) => ESCAPES[char] ?? char);
        result[key] = interpolate(unescaped, lookup).value;
      }
    } catch (error) {
      if (isPhoenixError(error)) throw fail(error.message, error.code, error.hint);
      throw fail(error instanceof Error ? error.message : String(error));
    }
  }
  return result;
}

/** Reads `<dir>/.env` as compose does; a missing file is an empty environment. */
export async function readDotenv(dir: string, env: Env = {}): Promise<Record<string, string>> {
  const file = join(dir, '.env');
  try {
    return parseDotenv(await readFile(file, 'utf8'), file, env);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}
