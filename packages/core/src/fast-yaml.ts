import type { Event } from 'js-yaml';
import { COLLECTION_STYLE, EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE } from 'js-yaml';

/**
 * The fast path of parseYaml (issue 16: `config` on 2,000 services under 0.5 s). js-yaml reads a large
 * compose file about five times faster than `yaml`, whose Document build is most of the time. It is only
 * trusted where both libraries are known to agree: this module returns undefined for anything else (an
 * error, a tag, a directive, a non-string key, a deep or alias-heavy file, ...) and parseYaml then reads
 * the file with `yaml` as before, so every refusal and its file:line message is unchanged.
 * fast-yaml.test.ts compares both paths on every fixture, a table of scalars and the fuzz corpus.
 */

// `yaml`'s YAML 1.2 core schema (yaml/dist/schema/core), copied tag for tag and in its order, so plain
// scalars resolve identically: `0755` is decimal 755, `0o755` is 493, `yes`/`on` are strings.
const CORE_TESTS: readonly [RegExp, (text: string) => unknown][] = [
  [/^(?:~|[Nn]ull|NULL)?$/, () => null],
  [/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (text) => text[0] === 't' || text[0] === 'T'],
  [/^0o[0-7]+$/, (text) => Number.parseInt(text.substring(2), 8)],
  [/^[-+]?[0-9]+$/, (text) => Number.parseInt(text, 10)],
  [/^0x[0-9a-fA-F]+$/, (text) => Number.parseInt(text.substring(2), 16)],
  [
    /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    (text) =>
      text.slice(-3).toLowerCase() === 'nan'
        ? Number.NaN
        : text[0] === '-'
          ? Number.NEGATIVE_INFINITY
          : Number.POSITIVE_INFINITY,
  ],
  [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, (text) => Number.parseFloat(text)],
  [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, (text) => Number.parseFloat(text)],
];

/** The characters a null, bool, int or float of CORE_TESTS can start with ('' is the empty scalar). */
const TYPED_FIRST_SET = new Set(['', '~', 'n', 'N', 't', 'T', 'f', 'F', '+', '-', '.', ...'0123456789']);

/** What CORE_TESTS gives the plain scalars that start with a letter (only these words match). */
const WORDS = new Map<string, unknown>([
  ['null', null],
  ['Null', null],
  ['NULL', null],
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['false', false],
  ['False', false],
  ['FALSE', false],
]);
const WORD_FIRST = new Set('nNtTfF');

/** Whether a plain scalar resolves to something other than a string (then it is no simple key). */
function isTypedPlain(text: string): boolean {
  const first = text.charAt(0);
  if (!TYPED_FIRST_SET.has(first)) return false;
  // Keys are read once each: words are looked up, only number-like keys run the expressions.
  if (WORD_FIRST.has(first)) return WORDS.has(text);
  for (const [test] of CORE_TESTS) if (test.test(text)) return true;
  return false;
}

/** What js-yaml's schema (FAILSAFE + CORE_TESTS + merge) makes of an untagged plain scalar. */
function plainValue(text: string): unknown {
  const first = text.charAt(0);
  if (!TYPED_FIRST_SET.has(first)) return text;
  if (WORD_FIRST.has(first)) return WORDS.has(text) ? WORDS.get(text) : text;
  for (const [test, resolve] of CORE_TESTS) if (test.test(text)) return resolve(text);
  return text;
}

const LEGACY_OCTAL = /^0[0-7]+$/;
const BLOCK_START = /^(?: *- )* *$/;

export interface FastYaml {
  data: unknown;
  /**
   * Plain scalars written as legacy octal (`0700`), by path (JSON of the keys), as `yaml`'s Document
   * would give them to rawScalar: only where the scalar itself is written, not where an alias or a
   * merge copies it.
   */
  legacyOctal: Map<string, string>;
}

interface Frame {
  mapping: boolean;
  /** The object or array being built, as js-yaml's constructFromEvents builds it. */
  value: Record<string, unknown> | unknown[];
  /** Nodes in this collection so far, counted as yaml-source's checkShape counts them. */
  total: number;
  anchor: string | undefined;
  depth: number;
  /** Mapping: whether the next child is a key. */
  atKey: boolean;
  /** Mapping: the current key, decoded; sequence: the next index. */
  key: string | number;
  merges: number;
  /** Mapping: the current key is a `<<` merge. */
  merging: boolean;
  /** Mapping: keys a merge added, which the mapping's own keys may still override. */
  merged: Set<string> | undefined;
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** js-yaml's mapTag.addPair: a key "__proto__" stays a plain key. */
function setOwn(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(map, key, { value, enumerable: true, configurable: true, writable: true });
  else map[key] = value;
}

/** js-yaml's mergeKeys: copies the keys `map` has not set yet; false where js-yaml throws. */
function mergeInto(frame: Frame, source: unknown): boolean {
  const map = frame.value as Record<string, unknown>;
  const sources = Array.isArray(source) ? source : [source];
  if (sources.length > 100) return false; // "abnormal merge sequence size"
  for (const from of sources) {
    if (!isMapping(from)) return false; // "cannot merge mappings"
    for (const key of Object.keys(from)) {
      if (Object.hasOwn(map, key)) continue;
      setOwn(map, key, from[key]);
      frame.merged ??= new Set();
      frame.merged.add(key);
    }
  }
  return true;
}

/**
 * js-yaml's reading of `text`, or undefined when `yaml` must decide (see the module comment). The event
 * walk also applies yaml-source's limits (depth, alias expansion), giving up well below them so that
 * `yaml` refuses such files with its exact message.
 */
export function fastParseYaml(
  text: string,
  limits: { maxDepth: number; maxAliasNodes: number },
): FastYaml | undefined {
  // Line breaks the two read differently: a lone CR (yaml: not a break, e.g. inside a comment),
  // YAML 1.1's NEL, LS and PS, and a byte order mark after the start.
  if (/\r(?!\n)|[\x85\u2028\u2029]/.test(text) || text.indexOf('\uFEFF', 1) !== -1) return undefined;
  let events: Event[];
  try {
    events = parseEvents(text, { maxDepth: limits.maxDepth });
  } catch {
    return undefined;
  }
  const legacyOctal = new Map<string, string>();
  const anchors = new Map<string, Frame | number>();
  const anchorValues = new Map<string, unknown>();
  const stack: Frame[] = [];
  let documents = 0;
  let added = 0;
  let root: unknown;
  const path = (): string =>
    JSON.stringify(stack.map((frame) => (frame.mapping ? frame.key : (frame.key as number) - 1)));
  // Called for each node: after it is read (scalar, alias) or closed (collection). Adds the node's value
  // to its parent as constructFromEvents does; false where that throws (a duplicate key, a bad merge).
  const done = (size: number, value: unknown): boolean => {
    const parent = stack[stack.length - 1];
    if (parent === undefined) {
      root = value;
      return true;
    }
    parent.total += size;
    if (!parent.mapping) {
      (parent.value as unknown[]).push(value);
      return true;
    }
    parent.atKey = !parent.atKey;
    if (!parent.atKey) return true; // the key, kept in parent.key
    if (parent.merging) {
      parent.merging = false;
      return mergeInto(parent, value);
    }
    const map = parent.value as Record<string, unknown>;
    const key = parent.key as string;
    if (Object.hasOwn(map, key) && !parent.merged?.has(key)) return false; // "duplicated mapping key"
    setOwn(map, key, value);
    parent.merged?.delete(key);
    return true;
  };
  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        documents += 1;
        if (documents > 1 || event.directives.length > 0) return undefined;
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        if (event.tagStart !== -1) return undefined;
        const parent = stack[stack.length - 1];
        if (parent?.mapping && parent.atKey) return undefined; // a collection as a key
        const depth = parent === undefined ? 1 : parent.depth + (parent.mapping ? 2 : 1);
        if (depth > limits.maxDepth / 2) return undefined;
        if (parent !== undefined && !parent.mapping) parent.key = (parent.key as number) + 1;
        // A block mapping must start its own line, after nothing but sequence dashes: yaml refuses
        // `a: &x b: c` ("nested mappings are not allowed in compact mappings"), js-yaml reads it.
        if (event.type === EVENT_ID.MAPPING && event.style === COLLECTION_STYLE.BLOCK) {
          const lineStart = text.lastIndexOf('\n', event.start - 1) + 1;
          if (!BLOCK_START.test(text.slice(lineStart, event.start))) return undefined;
        }
        const anchor = event.anchorStart === -1 ? undefined : text.slice(event.anchorStart, event.anchorEnd);
        const mapping = event.type === EVENT_ID.MAPPING;
        const frame: Frame = {
          mapping,
          value: mapping ? {} : [],
          total: 1,
          anchor,
          depth,
          atKey: true,
          key: 0,
          merges: 0,
          merging: false,
          merged: undefined,
        };
        if (anchor !== undefined) {
          anchors.set(anchor, frame);
          anchorValues.set(anchor, frame.value);
        }
        stack.push(frame);
        break;
      }
      case EVENT_ID.POP: {
        const frame = stack.pop();
        if (frame === undefined) break; // the document's end
        if (frame.mapping && !frame.atKey) return undefined; // a key without a value
        if (frame.anchor !== undefined && anchors.get(frame.anchor) === frame)
          anchors.set(frame.anchor, frame.total);
        if (!done(frame.total, frame.value)) return undefined;
        break;
      }
      case EVENT_ID.ALIAS: {
        const parent = stack[stack.length - 1];
        if (parent?.mapping && parent.atKey) return undefined; // an alias as a key
        const name = text.slice(event.anchorStart, event.anchorEnd);
        const target = anchors.get(name);
        if (target === undefined || typeof target !== 'number') return undefined; // unknown, or a loop
        added += target;
        if (added > limits.maxAliasNodes / 4) return undefined;
        if (parent !== undefined && !parent.mapping) parent.key = (parent.key as number) + 1;
        if (!done(target, anchorValues.get(name))) return undefined;
        break;
      }
      case EVENT_ID.SCALAR: {
        if (event.tagStart !== -1) return undefined;
        const parent = stack[stack.length - 1];
        const plain = event.style === SCALAR_STYLE.PLAIN;
        const source = getScalarValue(text, event);
        let value: unknown = source;
        if (parent?.mapping && parent.atKey) {
          // yaml allows at most 1024 characters from an implicit key to its `:` (js-yaml has no limit).
          const start =
            event.anchorStart === -1 ? event.valueStart : Math.min(event.anchorStart, event.valueStart);
          const colon = text.indexOf(':', event.valueEnd);
          if (colon === -1 || colon - start > 1000) return undefined;
          if (plain && (isTypedPlain(source) || source.includes('\n'))) return undefined; // null, number, bool key
          if (plain && source === '<<') {
            parent.merges += 1;
            if (parent.merges > 1) return undefined;
            parent.merging = true;
          }
          parent.key = source;
        } else {
          if (parent !== undefined && !parent.mapping) parent.key = (parent.key as number) + 1;
          if (plain) {
            value = plainValue(source);
            if (source.charCodeAt(0) === 48 && LEGACY_OCTAL.test(source)) legacyOctal.set(path(), source);
          }
        }
        if (event.anchorStart !== -1) {
          const anchor = text.slice(event.anchorStart, event.anchorEnd);
          anchors.set(anchor, 1);
          anchorValues.set(anchor, value);
        }
        if (!done(1, value)) return undefined;
        break;
      }
    }
  }
  if (documents !== 1) return undefined;
  return { data: root, legacyOctal };
}
