import type { Document } from 'yaml';
import { isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { PhoenixError } from './errors.ts';

/** A parsed YAML file that can still tell where a value came from, for error messages. */
export interface YamlSource {
  readonly file: string;
  readonly doc: Document;
  readonly lineCounter: LineCounter;
}

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** Formats a document path the way users read it: `services.db.volumes[0]`, `volumes["my.vol"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (PLAIN_KEY.test(String(key))) out += out === '' ? String(key) : `.${String(key)}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** Parses YAML keeping positions; malformed YAML throws COMPOSE_YAML `<file>:<line>:<col>: <message>`. */
export function parseYaml(file: string, text: string): { data: unknown; source: YamlSource } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const message = error.message.split('\n')[0] ?? error.code;
    throw new PhoenixError('COMPOSE_YAML', `${file}:${line}:${col}: ${message}`, {
      hint: `fix the YAML syntax at line ${line} of ${file}`,
      cause: error,
      details: { file, line, column: col },
    });
  }
  return { data: doc.toJS({ maxAliasCount: 1000 }), source: { file, doc, lineCounter } };
}

/** Line and column of the value at `path`, or of its nearest ancestor present in the source. */
export function locate(source: YamlSource, path: readonly PropertyKey[]): { line: number; col: number } {
  for (let length = path.length; length >= 0; length -= 1) {
    const node = source.doc.getIn(path.slice(0, length), true);
    if (isNode(node) && node.range) return source.lineCounter.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

/** `file:line:col` of a path, the prefix every compose error message starts with. */
export function where(source: YamlSource, path: readonly PropertyKey[]): string {
  const { line, col } = locate(source, path);
  return `${source.file}:${line}:${col}`;
}

/** The scalar exactly as written (`0700` stays "0700", where YAML 1.2 reads the decimal 700). */
export function rawScalar(source: YamlSource, path: readonly PropertyKey[]): string | undefined {
  const node = source.doc.getIn(path, true);
  return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
}
