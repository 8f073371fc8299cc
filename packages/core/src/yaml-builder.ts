/**
 * Builds the data of a YAML document from its nodes in document order, as js-yaml's constructFromEvents
 * builds it with the schema of fast-yaml.ts, and applies yaml-source's limits on the way. Both fast
 * readers drive it: fast-yaml.ts from js-yaml's events, plain-yaml.ts from its own scan. Every method
 * returns false where the file must go to `yaml` instead (a duplicate key, a bad merge, an alias loop,
 * a typed or multi-line plain key, a deep or alias-heavy document), so `yaml` words each refusal.
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
const TYPED_FIRST = new Set(['', '~', 'n', 'N', 't', 'T', 'f', 'F', '+', '-', '.', ...'0123456789']);

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

/** What js-yaml's schema (FAILSAFE + CORE_TESTS + merge) makes of an untagged plain scalar. */
export function plainValue(text: string): unknown {
  const first = text.charAt(0);
  if (!TYPED_FIRST.has(first)) return text;
  if (WORD_FIRST.has(first)) return WORDS.has(text) ? WORDS.get(text) : text;
  for (const [test, resolve] of CORE_TESTS) if (test.test(text)) return resolve(text);
  return text;
}

/** Whether a plain scalar resolves to something other than a string (then it is no simple key). */
function isTypedPlain(text: string): boolean {
  const first = text.charAt(0);
  if (!TYPED_FIRST.has(first)) return false;
  // Keys are read once each: words are looked up, only number-like keys run the expressions.
  if (WORD_FIRST.has(first)) return WORDS.has(text);
  for (const [test] of CORE_TESTS) if (test.test(text)) return true;
  return false;
}

const LEGACY_OCTAL = /^0[0-7]+$/;

interface Frame {
  mapping: boolean;
  /** The object or array being built. */
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

/** Limits of yaml-source: a fast reader gives up well below them, so that `yaml` refuses with its message. */
export interface YamlLimits {
  maxDepth: number;
  maxAliasNodes: number;
}

export class YamlBuilder {
  /** The document's value once its last node is done. */
  root: unknown;
  /**
   * Plain scalars written as legacy octal (`0700`), by path (JSON of the keys), as `yaml`'s Document
   * would give them to rawScalar: only where the scalar itself is written, not where an alias or a
   * merge copies it.
   */
  readonly legacyOctal = new Map<string, string>();
  readonly #limits: YamlLimits;
  readonly #stack: Frame[] = [];
  /** Anchor name → the anchored node's size once done, or its frame while it is still open (a loop). */
  readonly #anchors = new Map<string, Frame | number>();
  readonly #values = new Map<string, unknown>();
  #added = 0;

  constructor(limits: YamlLimits) {
    this.#limits = limits;
  }

  /** Collections open now. */
  get openCollections(): number {
    return this.#stack.length;
  }

  /** Whether the next node is a mapping's key. */
  get atKey(): boolean {
    const parent = this.#stack[this.#stack.length - 1];
    return parent?.mapping === true && parent.atKey;
  }

  /** Opens a mapping or a sequence (a value or an item: never a key). */
  open(mapping: boolean, anchor: string | undefined): boolean {
    const parent = this.#stack[this.#stack.length - 1];
    if (parent?.mapping && parent.atKey) return false; // a collection as a key
    const depth = parent === undefined ? 1 : parent.depth + (parent.mapping ? 2 : 1);
    if (depth > this.#limits.maxDepth / 2) return false;
    if (parent !== undefined && !parent.mapping) parent.key = (parent.key as number) + 1;
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
      this.#anchors.set(anchor, frame);
      this.#values.set(anchor, frame.value);
    }
    this.#stack.push(frame);
    return true;
  }

  /** Closes the innermost open collection. */
  close(): boolean {
    const frame = this.#stack.pop();
    if (frame === undefined) return false;
    if (frame.mapping && !frame.atKey) return false; // a key without a value
    if (frame.anchor !== undefined && this.#anchors.get(frame.anchor) === frame)
      this.#anchors.set(frame.anchor, frame.total);
    return this.#done(frame.total, frame.value);
  }

  /** A scalar, as a key or a value: `source` decoded, `plain` when unquoted (then typed by the schema). */
  scalar(source: string, plain: boolean, anchor: string | undefined): boolean {
    const parent = this.#stack[this.#stack.length - 1];
    let value: unknown = source;
    if (parent?.mapping && parent.atKey) {
      if (plain && (isTypedPlain(source) || source.includes('\n'))) return false; // null, number, bool key
      if (plain && source === '<<') {
        parent.merges += 1;
        if (parent.merges > 1) return false;
        parent.merging = true;
      }
      parent.key = source;
    } else {
      if (parent !== undefined && !parent.mapping) parent.key = (parent.key as number) + 1;
      if (plain) {
        value = plainValue(source);
        if (source.charCodeAt(0) === 48 && LEGACY_OCTAL.test(source))
          this.legacyOctal.set(this.#path(), source);
      }
    }
    if (anchor !== undefined) {
      this.#anchors.set(anchor, 1);
      this.#values.set(anchor, value);
    }
    return this.#done(1, value);
  }

  /** An alias (a value or an item: never a key) of a node whose anchor is done. */
  alias(name: string): boolean {
    const parent = this.#stack[this.#stack.length - 1];
    if (parent?.mapping && parent.atKey) return false; // an alias as a key
    const target = this.#anchors.get(name);
    if (target === undefined || typeof target !== 'number') return false; // unknown, or a loop
    this.#added += target;
    if (this.#added > this.#limits.maxAliasNodes / 4) return false;
    if (parent !== undefined && !parent.mapping) parent.key = (parent.key as number) + 1;
    return this.#done(target, this.#values.get(name));
  }

  #path(): string {
    return JSON.stringify(
      this.#stack.map((frame) => (frame.mapping ? frame.key : (frame.key as number) - 1)),
    );
  }

  // Called for each node: after it is read (scalar, alias) or closed (collection). Adds the node's value
  // to its parent as constructFromEvents does; false where that throws (a duplicate key, a bad merge).
  #done(size: number, value: unknown): boolean {
    const parent = this.#stack[this.#stack.length - 1];
    if (parent === undefined) {
      this.root = value;
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
  }
}
