import type { Event } from 'js-yaml';
import { COLLECTION_STYLE, EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE } from 'js-yaml';
import type { YamlLimits } from './yaml-builder.ts';
import { YamlBuilder } from './yaml-builder.ts';

/**
 * The fast path of parseYaml (issue 16: `config` on 2,000 services under 0.5 s). js-yaml reads a large
 * compose file about five times faster than `yaml`, whose Document build is most of the time. It is only
 * trusted where both libraries are known to agree: this module returns undefined for anything else (an
 * error, a tag, a directive, a non-string key, a deep or alias-heavy file, ...) and parseYaml then reads
 * the file with `yaml` as before, so every refusal and its file:line message is unchanged.
 * fast-yaml.test.ts compares both paths on every fixture, a table of scalars and the fuzz corpus.
 */

const BLOCK_START = /^(?: *- )* *$/;

export interface FastYaml {
  data: unknown;
  /** Legacy octal scalars by path (see YamlBuilder.legacyOctal). */
  legacyOctal: Map<string, string>;
}

/**
 * js-yaml's reading of `text`, or undefined when `yaml` must decide (see the module comment). One walk
 * over js-yaml's events builds the data (YamlBuilder) and applies yaml-source's limits (depth, alias
 * expansion), giving up well below them so that `yaml` refuses such files with its exact message.
 */
export function fastParseYaml(text: string, limits: YamlLimits): FastYaml | undefined {
  // Line breaks the two read differently: a lone CR (yaml: not a break, e.g. inside a comment),
  // YAML 1.1's NEL, LS and PS, and a byte order mark after the start.
  if (/\r(?!\n)|[\x85\u2028\u2029]/.test(text) || text.indexOf('\uFEFF', 1) !== -1) return undefined;
  let events: Event[];
  try {
    events = parseEvents(text, { maxDepth: limits.maxDepth });
  } catch {
    return undefined;
  }
  const builder = new YamlBuilder(limits);
  let documents = 0;
  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        documents += 1;
        if (documents > 1 || event.directives.length > 0) return undefined;
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        if (event.tagStart !== -1) return undefined;
        // A block mapping must start its own line, after nothing but sequence dashes: yaml refuses
        // `a: &x b: c` ("nested mappings are not allowed in compact mappings"), js-yaml reads it.
        if (event.type === EVENT_ID.MAPPING && event.style === COLLECTION_STYLE.BLOCK) {
          const lineStart = text.lastIndexOf('\n', event.start - 1) + 1;
          if (!BLOCK_START.test(text.slice(lineStart, event.start))) return undefined;
        }
        const anchor = event.anchorStart === -1 ? undefined : text.slice(event.anchorStart, event.anchorEnd);
        if (!builder.open(event.type === EVENT_ID.MAPPING, anchor)) return undefined;
        break;
      }
      case EVENT_ID.POP:
        if (builder.openCollections === 0) break; // the document's end
        if (!builder.close()) return undefined;
        break;
      case EVENT_ID.ALIAS:
        if (!builder.alias(text.slice(event.anchorStart, event.anchorEnd))) return undefined;
        break;
      case EVENT_ID.SCALAR: {
        if (event.tagStart !== -1) return undefined;
        if (builder.atKey) {
          // yaml allows at most 1024 characters from an implicit key to its `:` (js-yaml has no limit).
          const start =
            event.anchorStart === -1 ? event.valueStart : Math.min(event.anchorStart, event.valueStart);
          const colon = text.indexOf(':', event.valueEnd);
          if (colon === -1 || colon - start > 1000) return undefined;
        }
        const anchor = event.anchorStart === -1 ? undefined : text.slice(event.anchorStart, event.anchorEnd);
        const plain = event.style === SCALAR_STYLE.PLAIN;
        if (!builder.scalar(getScalarValue(text, event), plain, anchor)) return undefined;
        break;
      }
    }
  }
  if (documents !== 1) return undefined;
  return { data: builder.root, legacyOctal: builder.legacyOctal };
}
