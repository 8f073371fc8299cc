import { PhoenixError } from '@phoenix-hydra/errors';
import type { Document, Node } from 'yaml';
import {
  isAlias,
  isCollection,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
} from 'yaml';
import { fastParseYaml } from './fast-yaml.ts';
import { plainParseYaml } from './plain-yaml.ts';

/** A parsed YAML file that can still tell where a value came from, for error messages. */
export interface YamlSource {
  readonly file: string;
  readonly doc: Document;
  readonly lineCounter: LineCounter;
  /** Set when js-yaml read the file: legacy octal scalars by path (see fast-yaml.ts). */
  readonly legacyOctal?: ReadonlyMap<string, string>;
}

/**
 * The source of a file js-yaml read: `yaml` builds the Document (positions, raw scalars) only when an
 * error or a warning needs a line number, which most runs never do.
 */
class LazyYamlSource implements YamlSource {
  #parsed: { doc: Document; lineCounter: LineCounter } | undefined;
  readonly file: string;
  readonly legacyOctal: ReadonlyMap<string, string>;
  readonly #text: string;
  constructor(file: string, text: string, legacyOctal: ReadonlyMap<string, string>) {
    this.file = file;
    this.#text = text;
    this.legacyOctal = legacyOctal;
  }
  #parse() {
    if (this.#parsed === undefined) {
      const lineCounter = new LineCounter();
      const doc = parseDocument(this.#text, {
        lineCounter,
        prettyErrors: false,
        merge: true,
        uniqueKeys: false,
      });
      this.#parsed = { doc, lineCounter };
    }
    return this.#parsed;
  }
  get doc(): Document {
    return this.#parse().doc;
  }
  get lineCounter(): LineCounter {
    return this.#parse().lineCounter;
  }
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

/** Deeper nesting than this is refused: no compose file or config comes close, and deep input exhausts the stack. */
export const MAX_YAML_DEPTH = 64;
/**
 * Nodes that aliases may add to a document once expanded, so a "billion laughs" file or one large
 * anchor repeated many times fails fast, while 2,000 services sharing one anchor are fine.
 */
export const MAX_YAML_ALIAS_NODES = 200_000;
const MAX_MESSAGE = 160;

function yamlError(file: string, at: { line: number; col: number }, message: string, cause?: unknown) {
  const { line, col } = at;
  const short = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}...` : message;
  return new PhoenixError('COMPOSE_YAML', `${file}:${line}:${col}: ${short}`, {
    hint: `fix the YAML syntax at line ${line} of ${file}`,
    cause,
    details: { file, line, column: col },
  });
}

/** Offset where flow brackets (`[[[[…`) nest deeper than MAX_YAML_DEPTH, found before the recursive parser sees them. */
function tooDeepFlow(text: string): number | undefined {
  // The next of each bracket, found by indexOf: a loop over every character of a large file costs more,
  // mostly before the JIT has compiled it, and a regular expression allocates a match per bracket.
  const next = [...'[{]}'].map((bracket) => text.indexOf(bracket));
  let depth = 0;
  for (;;) {
    let which = -1;
    for (let index = 0; index < 4; index += 1) {
      const at = next[index] as number;
      if (at !== -1 && (which === -1 || at < (next[which] as number))) which = index;
    }
    if (which === -1) return undefined;
    const at = next[which] as number;
    if (which < 2) depth += 1;
    else if (depth > 0) depth -= 1;
    if (depth > MAX_YAML_DEPTH * 4) return at;
    next[which] = text.indexOf('[{]}'.charAt(which), at + 1);
  }
}

/**
 * Refuses nesting deeper than MAX_YAML_DEPTH, aliases that contain themselves (they never end),
 * duplicate keys (checked with a Set: yaml's own uniqueKeys is quadratic in the size of a mapping) and
 * aliases that expand the document by more than MAX_YAML_ALIAS_NODES nodes. One walk in document
 * order, so each anchor is known, with its expanded size, before any alias of it (yaml's Alias.resolve
 * and visit() search or copy per node, which a file of 2,000 services pays thousands of times).
 */
function checkShape(file: string, doc: Document, lineCounter: LineCounter): void {
  let problem: { node: Node; message: string } | undefined;
  let bomb: Node | undefined;
  let added = 0;
  const anchors = new Map<string, Node>();
  const sizes = new Map<Node, number>();
  const open: Node[] = [];
  // `depth` counts what yaml's visit() puts in a path: the document, each sequence, each mapping and pair.
  const walk = (node: unknown, depth: number): number => {
    if (problem !== undefined || !isNode(node)) return 1;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) return 1; // toJS names the unresolved alias
      if (open.includes(target)) {
        problem = { node, message: `alias *${node.source} refers to a node that contains it (a loop)` };
        return 1;
      }
      const expanded = sizes.get(target) ?? 1;
      added += expanded;
      if (added > MAX_YAML_ALIAS_NODES && bomb === undefined) bomb = node;
      return expanded;
    }
    if (node.anchor) anchors.set(node.anchor, node);
    let total = 1;
    if (isCollection(node)) {
      if (depth > MAX_YAML_DEPTH) {
        problem = { node, message: `nesting deeper than ${MAX_YAML_DEPTH} levels` };
        return 1;
      }
      open.push(node);
      if (isMap(node)) {
        const seen = new Set<unknown>();
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? pair.key.value : pair.key;
          if (seen.has(key)) {
            const shown = String(key).slice(0, 80);
            problem = { node: isNode(pair.key) ? pair.key : node, message: `duplicate key "${shown}"` };
            break;
          }
          seen.add(key);
          total += walk(pair.key, depth + 2) + walk(pair.value, depth + 2);
        }
      } else if (isSeq(node)) {
        for (const item of node.items) total += walk(item, depth + 1);
      }
      open.pop();
    }
    if (node.anchor) sizes.set(node, total);
    return total;
  };
  walk(doc.contents, 1);
  if (problem === undefined && bomb !== undefined) {
    const message = `aliases expand to too many nodes (more than ${MAX_YAML_ALIAS_NODES}; a "billion laughs" file?)`;
    problem = { node: bomb, message };
  }
  if (problem !== undefined)
    throw yamlError(file, lineCounter.linePos(problem.node.range?.[0] ?? 0), problem.message);
}

function refuseDeepFlow(file: string, text: string): void {
  const deep = tooDeepFlow(text);
  if (deep !== undefined) {
    const before = text.slice(0, deep);
    const line = before.split('\n').length;
    const at = { line, col: deep - before.lastIndexOf('\n') };
    throw yamlError(file, at, `nesting deeper than ${MAX_YAML_DEPTH} levels`);
  }
}

/**
 * Parses YAML keeping positions; malformed or hostile YAML throws COMPOSE_YAML `<file>:<line>:<col>: <message>`.
 * A line scanner reads the plain YAML most files are written in (plain-yaml.ts), js-yaml what else it
 * can be trusted to agree on (fast-yaml.ts); otherwise `yaml` does.
 */
export function parseYaml(file: string, text: string): { data: unknown; source: YamlSource } {
  refuseDeepFlow(file, text);
  const limits = { maxDepth: MAX_YAML_DEPTH, maxAliasNodes: MAX_YAML_ALIAS_NODES };
  const fast = plainParseYaml(text, limits) ?? fastParseYaml(text, limits);
  if (fast !== undefined)
    return { data: fast.data, source: new LazyYamlSource(file, text, fast.legacyOctal) };
  return parseYamlWithDocument(file, text);
}

/** parseYaml with `yaml` alone: the reference fast-yaml.ts is tested against, and every refusal's message. */
export function parseYamlWithDocument(file: string, text: string): { data: unknown; source: YamlSource } {
  refuseDeepFlow(file, text);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: false });
  const error = doc.errors[0];
  if (error !== undefined) {
    const overflow = /call stack/i.test(error.message);
    const message = overflow ? `nesting deeper than ${MAX_YAML_DEPTH} levels` : error.message.split('\n')[0];
    throw yamlError(file, lineCounter.linePos(error.pos[0]), message || error.code, error);
  }
  checkShape(file, doc, lineCounter);
  let data: unknown;
  try {
    // Expansion is bounded above; yaml's own count refuses 1,000 uses of one small anchor.
    data = doc.toJS({ maxAliasCount: -1 });
  } catch (cause) {
    // yaml throws ReferenceError for an alias bomb or an alias used before its anchor.
    const first = doc.contents && isNode(doc.contents) ? doc.contents.range?.[0] : undefined;
    let offset = first ?? 0;
    visit(doc, {
      Alias(_key, node) {
        offset = node.range?.[0] ?? offset;
        return visit.BREAK;
      },
    });
    const reason = (cause as Error).message;
    throw yamlError(file, lineCounter.linePos(offset), reason, cause);
  }
  return { data, source: { file, doc, lineCounter } };
}

const mapIndexes = new WeakMap<object, Map<unknown, unknown>>();

/**
 * The node at `path`, as `doc.getIn(path, true)` returns it, but with each mapping indexed once:
 * getIn searches a mapping's keys one by one, which made a file of 2,000 services quadratic.
 */
export function nodeAt(source: YamlSource, path: readonly PropertyKey[]): unknown {
  let node: unknown = source.doc.contents;
  for (const key of path) {
    if (isMap(node)) {
      let index = mapIndexes.get(node);
      if (index === undefined) {
        index = new Map();
        for (const pair of node.items) {
          const name = isScalar(pair.key) ? pair.key.value : pair.key;
          if (!index.has(String(name))) index.set(String(name), pair.value);
        }
        mapIndexes.set(node, index);
      }
      node = index.get(String(key));
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
    } else {
      return source.doc.getIn(path, true);
    }
  }
  return node;
}

/** Line and column of the value at `path`, or of its nearest ancestor present in the source. */
export function locate(source: YamlSource, path: readonly PropertyKey[]): { line: number; col: number } {
  for (let length = path.length; length >= 0; length -= 1) {
    const node = nodeAt(source, path.slice(0, length));
    if (isNode(node) && node.range) return source.lineCounter.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

/** `file:line:col` of a path, the prefix every compose error message starts with. */
export function where(source: YamlSource, path: readonly PropertyKey[]): string {
  const { line, col } = locate(source, path);
  return `${source.file}:${line}:${col}`;
}

/**
 * The number at `path` when it is written as a legacy octal number (`mode: 0700`, which YAML 1.2 reads
 * as the decimal 700): rawScalar without building `yaml`'s Document when js-yaml read the file.
 */
export function legacyOctalAt(source: YamlSource, path: readonly PropertyKey[]): string | undefined {
  if (source.legacyOctal !== undefined) return source.legacyOctal.get(JSON.stringify(path));
  const raw = rawScalar(source, path);
  return raw !== undefined && /^0[0-7]+$/.test(raw) ? raw : undefined;
}

/** The scalar exactly as written (`0700` stays "0700", where YAML 1.2 reads the decimal 700). */
export function rawScalar(source: YamlSource, path: readonly PropertyKey[]): string | undefined {
  const node = nodeAt(source, path);
  return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
}
