import type { FastYaml } from './fast-yaml.ts';
import type { YamlLimits } from './yaml-builder.ts';
import { YamlBuilder } from './yaml-builder.ts';

/**
 * The fastest path of parseYaml (issue 16): a line scanner for the plain YAML most compose files are
 * written in (block mappings and sequences indented with spaces, one-line scalars, one-line flow
 * collections, anchors, aliases and merges), building the data straight away (YamlBuilder) without
 * js-yaml's event list. Anything else (tabs, CR, multi-line or block scalars, escapes, tags, documents
 * markers, compact mappings in sequences, odd indentation, ...) returns undefined, and parseYaml asks
 * js-yaml (fast-yaml.ts), then `yaml`. fast-yaml.test.ts holds every path equal to `yaml`.
 */

/** Characters outside these (controls, tab, CR, NEL, LS, PS, byte order mark, surrogates) leave the file to js-yaml. */
const OUTSIDE = /[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;
/** First characters of a plain scalar this reader leaves to js-yaml: indicators and quotes. */
const NOT_PLAIN_FIRST = new Set('-?:,[]{}#&*!|>\'"%@`');

const SPACE = 32;
const HASH = 35;
const COLON = 58;

const isWordCode = (code: number) =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;

/**
 * The end of the key at `at`: `<<`, or a letter, digit or "_" then those, ".", "/" and "-"; `at` itself
 * when there is none. Scanned by hand: a regular expression's match array per key is garbage.
 */
function keyEnd(text: string, at: number): number {
  if (text.startsWith('<<', at)) return at + 2;
  if (!isWordCode(text.charCodeAt(at))) return at;
  let end = at + 1;
  for (let code = text.charCodeAt(end); isWordCode(code) || code === 46 || code === 47 || code === 45; ) {
    end += 1;
    code = text.charCodeAt(end);
  }
  return end;
}

/** The end of the anchor or alias name at `at` (letters, digits, "_", "-"). */
function nameEnd(text: string, at: number): number {
  let end = at;
  for (let code = text.charCodeAt(end); isWordCode(code) || code === 45; code = text.charCodeAt(end))
    end += 1;
  return end;
}

/** Without its trailing spaces (only spaces: trimEnd would also drop a no-break space, which YAML keeps). */
function trimSpaces(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === SPACE) end -= 1;
  return end === value.length ? value : value.slice(0, end);
}

/** Reads `text` if it is written in the plain subset, else undefined. */
export function plainParseYaml(text: string, limits: YamlLimits): FastYaml | undefined {
  if (OUTSIDE.test(text)) return undefined;
  return new PlainScanner(text, new YamlBuilder(limits)).read();
}

class PlainScanner {
  readonly #text: string;
  readonly #builder: YamlBuilder;

  constructor(text: string, builder: YamlBuilder) {
    this.#text = text;
    this.#builder = builder;
  }

  read(): FastYaml | undefined {
    const text = this.#text;
    const builder = this.#builder;
    /** Indentation and kind (mapping or sequence) of each open block collection. */
    const indents: number[] = [];
    const mappings: boolean[] = [];
    /** Indentation of a key whose value starts on a later line, or -1. */
    let pending = -1;
    let pendingAnchor: string | undefined;
    /** Indentation of the last entry with its value on its line: a deeper line would continue it. */
    let last = -1;
    for (let start = 0; start < text.length; ) {
      let eol = text.indexOf('\n', start);
      if (eol === -1) eol = text.length;
      let at = start;
      while (at < eol && text.charCodeAt(at) === SPACE) at += 1;
      const indent = at - start;
      start = eol + 1;
      if (at === eol || text.charCodeAt(at) === HASH) continue; // blank or comment line
      if (indents.length === 0) {
        // The document: one block mapping from the first column (anything else goes to js-yaml).
        if (indent !== 0 || builder.root !== undefined || !builder.open(true, undefined)) return undefined;
        indents.push(0);
        mappings.push(true);
      } else if (pending !== -1) {
        if (indent > pending) {
          const sequence =
            text.charCodeAt(at) === 45 && (at + 1 === eol || text.charCodeAt(at + 1) === SPACE);
          if (!builder.open(!sequence, pendingAnchor)) return undefined;
          indents.push(indent);
          mappings.push(!sequence);
        } else if (pendingAnchor !== undefined || !builder.scalar('', true, undefined)) {
          return undefined;
        }
        pending = -1;
        pendingAnchor = undefined;
      } else if (indent > last) {
        return undefined; // a multi-line scalar, or a misplaced line
      }
      while ((indents[indents.length - 1] as number) > indent) {
        indents.pop();
        mappings.pop();
        if (!builder.close()) return undefined;
      }
      if (indents[indents.length - 1] !== indent) return undefined;
      if (mappings[mappings.length - 1]) {
        const end = keyEnd(text, at);
        if (end === at || end - at > 1000) return undefined;
        const key = text.slice(at, end);
        at = end;
        if (text.charCodeAt(at) !== COLON) return undefined;
        at += 1;
        if (at < eol && text.charCodeAt(at) !== SPACE) return undefined;
        if (!builder.scalar(key, true, undefined)) return undefined;
      } else {
        if (text.charCodeAt(at) !== 45 || text.charCodeAt(at + 1) !== SPACE) return undefined; // "- "
        at += 2;
      }
      at = this.#skipSpaces(at, eol);
      let anchor: string | undefined;
      if (text.charCodeAt(at) === 38) {
        const end = nameEnd(text, at + 1);
        if (end === at + 1) return undefined;
        anchor = text.slice(at + 1, end);
        at = end;
        if (at < eol && text.charCodeAt(at) !== SPACE) return undefined;
        at = this.#skipSpaces(at, eol);
        if (at === eol && !mappings[mappings.length - 1]) return undefined;
        if (at === eol) {
          pending = indent;
          pendingAnchor = anchor;
          continue;
        }
      }
      if (at === eol || (text.charCodeAt(at) === HASH && anchor === undefined)) {
        if (!mappings[mappings.length - 1]) return undefined; // an item on the next lines, or empty
        pending = indent;
        continue;
      }
      if (!this.#blockValue(at, eol, anchor)) return undefined;
      last = indent;
    }
    if (indents.length === 0) return undefined;
    if (pending !== -1 && (pendingAnchor !== undefined || !builder.scalar('', true, undefined)))
      return undefined;
    for (let open = indents.length; open > 0; open -= 1) if (!builder.close()) return undefined;
    return { data: builder.root, legacyOctal: builder.legacyOctal };
  }

  #skipSpaces(at: number, end: number): number {
    let position = at;
    while (position < end && this.#text.charCodeAt(position) === SPACE) position += 1;
    return position;
  }

  /** Whether nothing but spaces and a comment follows `at` on its line. */
  #restEmpty(at: number, eol: number): boolean {
    const next = this.#skipSpaces(at, eol);
    return next === eol || (next > at && this.#text.charCodeAt(next) === HASH);
  }

  /** The value of a block entry, from `at` to the end of its line. */
  #blockValue(at: number, eol: number, anchor: string | undefined): boolean {
    const text = this.#text;
    const first = text.charCodeAt(at);
    if (first === 123 || first === 91) {
      const end = this.#flow(at, eol, anchor);
      return end !== -1 && this.#restEmpty(end, eol);
    }
    if (first === 42 || first === 34 || first === 39) {
      const end = this.#node(at, eol, anchor);
      return end !== -1 && this.#restEmpty(end, eol);
    }
    if (NOT_PLAIN_FIRST.has(text.charAt(at))) return false;
    const line = text.slice(at, eol);
    const comment = line.indexOf(' #');
    const value = trimSpaces(comment === -1 ? line : line.slice(0, comment));
    // `a: b: c` and a key at the end: yaml refuses these or reads a mapping.
    if (value.includes(': ') || value.endsWith(':')) return false;
    return this.#builder.scalar(value, true, anchor);
  }

  /** An alias or a quoted scalar at `at`; the position after it, or -1. */
  #node(at: number, eol: number, anchor: string | undefined): number {
    const text = this.#text;
    const first = text.charCodeAt(at);
    if (first === 42) {
      if (anchor !== undefined) return -1;
      const end = nameEnd(text, at + 1);
      if (end === at + 1 || !this.#builder.alias(text.slice(at + 1, end))) return -1;
      return end;
    }
    const close = text.indexOf(text.charAt(at), at + 1);
    if (close === -1 || close >= eol) return -1;
    const value = text.slice(at + 1, close);
    // Escapes (`\"`, `''`) are js-yaml's to decode.
    if ((first === 34 && value.includes('\\')) || (first === 39 && text.charCodeAt(close + 1) === 39))
      return -1;
    return this.#builder.scalar(value, false, anchor) ? close + 1 : -1;
  }

  /** A flow mapping or sequence closed on its line; the position after it, or -1. */
  #flow(open: number, eol: number, anchor: string | undefined): number {
    const text = this.#text;
    const builder = this.#builder;
    const mapping = text.charCodeAt(open) === 123;
    const close = mapping ? 125 : 93;
    if (!builder.open(mapping, anchor)) return -1;
    let at = this.#skipSpaces(open + 1, eol);
    if (text.charCodeAt(at) === close) return builder.close() ? at + 1 : -1;
    for (;;) {
      if (mapping) {
        const first = text.charCodeAt(at);
        if (first === 34 || first === 39) {
          at = this.#node(at, eol, undefined);
          if (at === -1) return -1;
        } else {
          const end = keyEnd(text, at);
          if (end === at || !builder.scalar(text.slice(at, end), true, undefined)) return -1;
          at = end;
        }
        if (text.charCodeAt(at) !== COLON || text.charCodeAt(at + 1) !== SPACE) return -1;
        at = this.#skipSpaces(at + 2, eol);
      }
      at = this.#flowItem(at, eol);
      if (at === -1) return -1;
      at = this.#skipSpaces(at, eol);
      const next = text.charCodeAt(at);
      if (next === close) return builder.close() ? at + 1 : -1;
      if (next !== 44 || at >= eol) return -1; // ","
      at = this.#skipSpaces(at + 1, eol);
      if (text.charCodeAt(at) === close || at >= eol) return -1; // a trailing comma
    }
  }

  /** A value or item inside a flow collection; the position after it, or -1. */
  #flowItem(at: number, eol: number): number {
    const text = this.#text;
    const first = text.charCodeAt(at);
    if (at >= eol) return -1;
    if (first === 123 || first === 91) return this.#flow(at, eol, undefined);
    if (first === 42 || first === 34 || first === 39) return this.#node(at, eol, undefined);
    if (NOT_PLAIN_FIRST.has(text.charAt(at))) return -1;
    let end = at;
    for (let code = text.charCodeAt(end); end < eol && code !== 44 && code !== 93 && code !== 125; )
      code = text.charCodeAt(++end); // up to ",", "]" or "}"
    const value = trimSpaces(text.slice(at, end));
    if (value === '' || /[:#[{"']/.test(value)) return -1;
    return this.#builder.scalar(value, true, undefined) ? at + value.length : -1;
  }
}
