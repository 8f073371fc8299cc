import type { Event, ScalarEvent } from 'js-yaml';
import {
  COLLECTION_STYLE,
  constructFromEvents,
  defineScalarTag,
  EVENT_ID,
  FAILSAFE_SCHEMA,
  getScalarValue,
  mergeTag,
  NOT_RESOLVED,
  parseEvents,
  SCALAR_STYLE,
} from 'js-yaml';

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
const TYPED_FIRST = ['', '~', 'n', 'N', 't', 'T', 'f', 'F', '+', '-', '.', ...'0123456789'];
const TYPED_FIRST_SET = new Set(TYPED_FIRST);

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

const coreScalar = defineScalarTag<unknown>('tag:phoenix-hydra:core-scalar', {
  implicit: true,
  implicitFirstChars: TYPED_FIRST,
  resolve: (source, isExplicit) => {
    if (isExplicit) return NOT_RESOLVED;
    if (WORD_FIRST.has(source.charAt(0))) return WORDS.has(source) ? WORDS.get(source) : NOT_RESOLVED;
    for (const [test, resolve] of CORE_TESTS) if (test.test(source)) return resolve(source);
    return NOT_RESOLVED;
  },
  identify: () => false,
});

const SCHEMA = FAILSAFE_SCHEMA.withTags(coreScalar, mergeTag);

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
  /** Nodes in this collection so far, counted as yaml-source's checkShape counts them. */
  total: number;
  anchor: string | undefined;
  depth: number;
  /** Mapping: whether the next child is a key. */
  atKey: boolean;
  /** Mapping: the current key, decoded; sequence: the next index. */
  key: string | number;
  merges: number;
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
  const stack: Frame[] = [];
  let documents = 0;
  let added = 0;
  const path = (): string =>
    JSON.stringify(stack.map((frame) => (frame.mapping ? frame.key : (frame.key as number) - 1)));
  // Called for each node: after it is read (scalar, alias) or closed (collection).
  const done = (size: number): boolean => {
    const parent = stack[stack.length - 1];
    if (parent === undefined) return true;
    parent.total += size;
    if (parent.mapping) parent.atKey = !parent.atKey;
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
        const frame: Frame = {
          mapping: event.type === EVENT_ID.MAPPING,
          total: 1,
          anchor,
          depth,
          atKey: true,
          key: 0,
          merges: 0,
        };
        if (anchor !== undefined) anchors.set(anchor, frame);
        stack.push(frame);
        break;
      }
      case EVENT_ID.POP: {
        const frame = stack.pop();
        if (frame === undefined) break; // the document's end
        if (frame.mapping && !frame.atKey) return undefined; // a key without a value
        if (frame.anchor !== undefined && anchors.get(frame.anchor) === frame)
          anchors.set(frame.anchor, frame.total);
        done(frame.total);
        break;
      }
      case EVENT_ID.ALIAS: {
        const parent = stack[stack.length - 1];
        if (parent?.mapping && parent.atKey) return undefined; // an alias as a key
        const target = anchors.get(text.slice(event.anchorStart, event.anchorEnd));
        if (target === undefined || typeof target !== 'number') return undefined; // unknown, or a loop
        added += target;
        if (added > limits.maxAliasNodes / 4) return undefined;
        if (parent !== undefined && !parent.mapping) parent.key = (parent.key as number) + 1;
        done(target);
        break;
      }
      case EVENT_ID.SCALAR: {
        if (event.tagStart !== -1) return undefined;
        const parent = stack[stack.length - 1];
        const plain = event.style === SCALAR_STYLE.PLAIN;
        if (parent?.mapping && parent.atKey) {
          // yaml allows at most 1024 characters from an implicit key to its `:` (js-yaml has no limit).
          const start =
            event.anchorStart === -1 ? event.valueStart : Math.min(event.anchorStart, event.valueStart);
          const colon = text.indexOf(':', event.valueEnd);
          if (colon === -1 || colon - start > 1000) return undefined;
          const key = getScalarValue(text, event);
          if (plain && (isTypedPlain(key) || key.includes('\n'))) return undefined; // null, number, bool key
          if (plain && key === '<<') {
            parent.merges += 1;
            if (parent.merges > 1) return undefined;
          }
          parent.key = key;
        } else {
          if (parent !== undefined && !parent.mapping) parent.key = (parent.key as number) + 1;
          if (plain && event.valueEnd - event.valueStart >= 2 && text.charCodeAt(event.valueStart) === 48) {
            const value = getScalarValue(text, event as ScalarEvent);
            if (LEGACY_OCTAL.test(value)) legacyOctal.set(path(), value);
          }
        }
        if (event.anchorStart !== -1) anchors.set(text.slice(event.anchorStart, event.anchorEnd), 1);
        done(1);
        break;
      }
    }
  }
  if (documents !== 1) return undefined;
  try {
    const [data] = constructFromEvents(events, {
      source: text,
      schema: SCHEMA,
      maxAliases: -1,
      maxTotalMergeKeys: -1,
    });
    return { data, legacyOctal };
  } catch {
    return undefined;
  }
}
