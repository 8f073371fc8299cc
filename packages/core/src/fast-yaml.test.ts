import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { largeCompose } from '../../../tooling/bench/src/compose-dataset.ts';
import { mutant, seeded } from '../../../tooling/fuzz/mutate.ts';
import { fastParseYaml } from './fast-yaml.ts';
import { plainParseYaml } from './plain-yaml.ts';
import {
  legacyOctalAt,
  MAX_YAML_ALIAS_NODES,
  MAX_YAML_DEPTH,
  parseYaml,
  parseYamlWithDocument,
} from './yaml-source.ts';

// The fast path (js-yaml, fast-yaml.ts) must give exactly what `yaml` gives: the same data, in the same
// key order, the same legacy octal modes, and a refusal wherever `yaml` refuses.

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const fixtures = [
  read('../test/fixtures/original-design.compose.yaml'),
  read('../../../tooling/e2e/fixtures/podman-compose.yaml'),
  read('../../../apps/agent/phoenix-volumes-agent.example.yaml'),
  read('../../../apps/agent/alerts/phoenix-volumes.rules.yml'),
  largeCompose(40),
  [
    'x-env: &env { TZ: UTC, N: 0755 }',
    'x-vol: &vol',
    '  x-phoenix: { mode: 0700, owner: "1:1" }',
    'services:',
    '  a: { image: x, environment: *env, volumes: [v:/v] }',
    '  b:',
    '    <<: *env',
    '    image: y',
    '    TZ: override',
    'volumes:',
    '  v:',
    '    x-phoenix: { mode: 0750, kind: data }',
    '  w: *vol',
    '  u:',
    '    <<: *vol',
    '  t:',
    '    x-phoenix:',
    '      <<: { mode: 0640 }',
    '      kind: config',
    '  s:',
    '    - 0700',
    '    - [0600, "0600", 0o600, 0x1F]',
    '',
  ].join('\n'),
];

/** JSON that keeps what deep equality misses: key order, -0, NaN, Infinity, undefined. */
function exact(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && (Object.is(v, -0) || !Number.isFinite(v)))
      return `number:${String(Object.is(v, -0) ? '-0' : v)}`;
    if (v === undefined) return 'undefined';
    if (
      v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      Object.getPrototypeOf(v) !== Object.prototype
    )
      return `object:${Object.prototype.toString.call(v)}`;
    return v;
  });
}

/** Every path to a number in `data`: where read-compose-volumes asks for the legacy octal spelling. */
function paths(data: unknown, prefix: PropertyKey[] = [], out: PropertyKey[][] = []): PropertyKey[][] {
  if (out.length > 5000) return out;
  if (typeof data === 'number') out.push(prefix);
  if (Array.isArray(data))
    data.forEach((item, index) => {
      paths(item, [...prefix, index], out);
    });
  else if (data !== null && typeof data === 'object')
    for (const [key, value] of Object.entries(data)) paths(value, [...prefix, key], out);
  return out;
}

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

type Outcome = { ok: true; data: string; octal: string } | { ok: false; message: string };

function outcome(parse: typeof parseYaml, text: string): Outcome {
  try {
    const { data, source } = parse('/p/c.yaml', text);
    const octal = paths(data)
      .map((path) => [JSON.stringify(path), legacyOctalAt(source, path)])
      .filter(([, raw]) => raw !== undefined);
    return { ok: true, data: exact(data), octal: JSON.stringify(octal) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

const LIMITS = { maxDepth: MAX_YAML_DEPTH, maxAliasNodes: MAX_YAML_ALIAS_NODES };

/** What js-yaml's path alone gives (fast-yaml.ts, then yaml), as parseYaml gave it before plain-yaml.ts. */
function jsYamlOutcome(text: string, reference: Outcome): Outcome {
  const fast = fastParseYaml(text, LIMITS);
  if (fast === undefined) return reference;
  const octal = paths(fast.data)
    .map((path) => [JSON.stringify(path), fast.legacyOctal.get(JSON.stringify(path))])
    .filter(([, raw]) => raw !== undefined);
  return { ok: true, data: exact(fast.data), octal: JSON.stringify(octal) };
}

/** parseYaml (plain scanner, then js-yaml, then yaml) and js-yaml's path each give what yaml alone gives. */
function same(text: string): void {
  const reference = outcome(parseYamlWithDocument, text);
  const label = JSON.stringify(text.slice(0, 300));
  expect(outcome(parseYaml, text), label).toEqual(reference);
  // parseYaml refuses deep brackets before any reader runs (even inside a string, where js-yaml reads them).
  if (reference.ok || !reference.message.includes('nesting deeper'))
    expect(jsYamlOutcome(text, reference), label).toEqual(reference);
}

const SCALARS = [
  '0755',
  '0o755',
  '0x1F',
  '0b101',
  '1_000',
  '+5',
  '-0',
  '-0700',
  '007',
  '08',
  '09.5',
  '1e3',
  '1E+3',
  '.5',
  '5.',
  '1.0',
  '-.inf',
  '.Inf',
  '+.INF',
  '.nan',
  '.NaN',
  'NaN',
  'inf',
  '12345678901234567890',
  '0x',
  '0o',
  '0o8',
  '1:20',
  '1:20:30',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Yes',
  'ON',
  'true',
  'True',
  'TRUE',
  'tRUE',
  'false',
  'FALSE',
  'null',
  'Null',
  'NULL',
  'nULL',
  '~',
  '',
  '=',
  '<<',
  '!',
  '&a',
  '*a',
  '"0755"',
  "'0755'",
  '!!str 0755',
  '!!int "0755"',
  '!!float 1',
  '!!binary aGk=',
  '!!timestamp 2001-12-14',
  '!custom x',
  '? complex',
  '|\n  0755',
  '>-\n  on',
  '"\\x41\\u263A"',
  "'it''s'",
  '"a\\\n  b"',
  '- 1',
  '[1, 2]',
  '{a: 1}',
  '{a}',
  '{a, b: 2}',
  '[a: 1]',
  '0755 # c',
  '#c',
  'a #b',
  'a#b',
  '%x',
  '@x',
  '`x',
];

describe('fast path (js-yaml) against yaml', () => {
  it('reads every fixture exactly as yaml does, and reads them fast', () => {
    for (const text of fixtures) {
      same(text);
      expect(parseYaml('/p/c.yaml', text).source.legacyOctal, 'fast path taken').toBeDefined();
    }
  });

  it('resolves a table of YAML 1.1/1.2 scalar edge cases identically, as values, keys and items', () => {
    for (const scalar of SCALARS) {
      same(`v: ${scalar}\n`);
      same(`${scalar}: v\n`);
      same(`- ${scalar}\n`);
      same(`x-phoenix:\n  mode: ${scalar}\n`);
      same(`[${scalar}]\n`);
      same(`{k: ${scalar}}\n`);
      same(`${scalar}\n`);
    }
  });

  it('agrees on malformed and unusual documents: duplicate keys, invalid compact mappings, empty keys, loops, directives, indentation, line breaks', () => {
    const refused = [
      'a: 1\na: 2\n',
      'a: 1\n"a": 2\n',
      'a: &x [*x]\n',
      'a: b: c\n',
      'x-env: &env 8 TZ: \n',
      'a: &x b: c\n',
      'a: !!map b: c\n',
      '- &x a: 1\n  b: 2\n',
      '- a: 1\n  - b\n',
      'a:\n  - b\n  c: d\n',
      ': v\n',
      '? : v\n',
      '{: v}\n',
      '"": v\nx: y\n',
      'x: &a 1\ny: *a\nz: *b\n',
      '%YAML 1.1\n---\nmode: 0755\n',
      'a: 1\n---\nb: 2\n',
      '<<: {a: 1}\n<<: {b: 2}\n',
      '<<: 1\n',
      '[a, b]: c\n',
      'a: [b\n',
      'a: "b\n',
      'a:\tb\n',
      '\ta: b\n',
      'a: !!int x\n',
      'a: b\n c\n',
      'key: value\n  bad: indent\n',
      'a: [1,\n2]\n',
      'a:\n  b: [1,\n  2]\n',
      'a:\n  b: {c: 1,\n d: 2}\n',
      'a: "x\ny"\n',
      'a:\n  b: "x\n y"\n',
      'a: b\nc\n',
      'a:\n  b\n  c\n',
      'a: |\n x\n  y\n',
      'a: |\n  x\n y\n',
      'a: |2\n   x\n',
      'a: >+\n x\n\n',
      'a: |-\n',
      'a:\n\tb: 1\n',
      'a: [1,\t2]\n',
      'a: 1\t# c\n',
      '---\na: 1\n',
      '--- a\n',
      '--- |\n x\n',
      'a: 1\n...\n',
      '...\n',
      '',
      '# only\n',
      '---\n',
      ' \n',
      'a: &a[1] x\n',
      'a b: 1\n',
      'a: "\\N\\_\\L\\P\\e\\/"\n',
      'a: "\\q"\n',
      "a: 'x\n\n  y'\n",
      'a: - b\n',
      '- a\n- b: c\n  - d\n',
      'a:\n- b\n- c\n',
      'a:\n  - b\n - c\n',
      '{a: 1}: b\n',
      'a: {b: c}d\n',
      'a: [b]c\n',
      'a: "b"c\n',
      'a: *\n',
      'a: &\n',
      'a: !\n',
      '&a a: &b b\n*a : *b\n',
      'a: @b\n',
      'a: `b\n',
      'a: %b\n',
      '%TAG ! tag:x,2000:\n---\na: 1\n',
      'a: ? b\n',
      '? a\n? b\n',
      'a:\n  ? b\n  : c\n',
      '[a, b, ]\n',
      '[a, , b]\n',
      '{a: 1, }\n',
      '{a: 1,, b: 2}\n',
      '[a: b: c]\n',
      '{a: [b}\n',
      '- - - a\n',
      '-\n  a: 1\n',
      '- \n- b\n',
      'a:    \n  b\n',
      'a: b #c\n  d\n',
      'a: "b" #c\nd: e\n',
      'x: 1 # c\n# c\n  y: 2\n',
      '__proto__: {polluted: 1}\n',
      'a: {__proto__: [1], b: 2}\n',
      'x: &x {__proto__: {p: 1}}\ny:\n  <<: *x\n',
      'constructor: {prototype: {p: 1}}\n',
      '# comment \rkey: value\n',
      'a: 1\r\nb: 2\r\n',
      'a: x\u0085b: y\n',
      'a: x\u2028b: y\n',
      '\uFEFFa: 1\n',
      'a: 1\n\uFEFFb: 2\n',
      // Merges, as the fast path builds them itself (before: js-yaml's constructFromEvents).
      'a: &a {x: 1, y: 2}\nb: &b {y: 3, z: 4}\nc:\n  <<: [*a, *b]\n  x: 5\n',
      'a: &a {x: 1}\nc:\n  x: 0\n  <<: *a\n',
      'a: &a {x: 1}\nc:\n  <<: *a\n  x: 2\n  x: 3\n',
      'a: &a {x: 1}\nc:\n  <<: [*a, 1]\n',
      'a: &a [1]\nc:\n  <<: *a\n',
      'a: &a x\nc:\n  <<: *a\n',
      'c:\n  <<:\n',
      'c:\n  "<<": {x: 1}\n',
      'c:\n  <<: [{x: 1}, {x: 2, y: 3}]\n',
      'a: &a {__proto__: 1, x: 2}\nc:\n  <<: *a\n',
      `c:\n  <<: [${Array(101).fill('{}').join(', ')}]\n`,
      'a: &a 0700\nb: *a\nc: [&b 0o7, *b]\n',
      '&k key: v\nother: *k\n',
      'a: &x 1\nb: &x 2\nc: *x\n',
      '- &s {a: 1}\n- *s\n- [*s, *s]\n',
    ];
    for (const text of refused) same(text);
  });

  it('reads the plain YAML of compose files with its line scanner, as yaml does', () => {
    // A compose file as people write them: merges, flows, quoted and unquoted values, labels, comments.
    const handWritten = read('../test/fixtures/hand-written.compose.yaml');
    same(handWritten);
    for (const text of [fixtures[0], fixtures[1], fixtures[4], handWritten, largeCompose(2000)])
      expect(plainParseYaml(text ?? '', LIMITS), 'plain scanner taken').toBeDefined();
    const plain = [
      '# c\n\na: b # c\n  # deeper comment\nc: d\n',
      'a: b   \nc: "x # y" # z\ne: f#g\n',
      "d: 'it'#s'\n",
      'a: b\u00a0\nc: \u00a0d\ne: caf\u00e9\n',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, text to YAML
      'a: ${X:-{"k": [1]}}\nb: x, y\nc: b]\n',
      "d: \"a\\\"b\"\ne: 'a''b'\n",
      'a: {b: 1, c: "2", d: [e, {f: g}], h: {}}\ni: [ ]\nj: [k , l ]\n',
      'a: {b: 1, }\nc: [d, , e]\n',
      'a: {b}\n',
      'a: {b:c}\n',
      'a: {b: c d}\ne: [f #g]\n',
      'a: {b: 1}, c\n',
      'a: [b] # c\nd: [e]f\n',
      'a: &x\n  b: 1\nc: *x\nd:\n  <<: *x\n  e: 2\nf: [*x, *x]\ng: {<<: *x}\n',
      'a: &x # c\n  b: 1\n',
      'a: &x\nb: 1\n',
      'a: &x 0700\nb: *x\nc: &y [0700]\n',
      'a:\n  - b\n  - &c d\n  - *c\n  - [e]\n  - {f: g}\ne: 1\n',
      'a:\n- b\n',
      'a:\n  - b\n  c: d\n',
      'a:\n  - b: c\n    d: e\n',
      'a:\n  -\n    b: c\n',
      'a:\n  - \n',
      'a:\n    b: 1\n  c: 2\n',
      'a:\n  b: 1\n   c: 2\n',
      'a: b\n  c\n',
      'a: "b"\n  c: d\n',
      'a:\n  b:\n    c:\nd:\n',
      'a:\n  b: 1\n  b: 2\n',
      'a: 1\n<<: {a: 2, b: 3}\n',
      '1: a\ntrue: b\n',
      '__proto__: {p: 1}\nx: {__proto__: 1}\n',
      'a.b/c-d_e: 1\n-a: 2\n',
      '  a: 1\n',
      '- a\n',
      'a:b\n',
      'a : b\n',
      'a: b:\n',
      'a: :b\n',
      'a: ?b\n',
      'a: b?\n',
      'a: -1\nb: - c\n',
      'a: @b\n',
      'a: "b\n',
      "a: 'b\n",
      'a: *b\n',
      'a: &b\n',
      'a: {b: *c}\n',
      'a:   \n  b: 1\n',
      'a: 1\n\n\n   \nb: 2',
      `a: ${'x'.repeat(2000)}\n${'k'.repeat(1001)}: 1\n`,
      `${Array.from({ length: 40 }, (_, depth) => `${'  '.repeat(depth)}k:`).join('\n')} 1\n`,
    ];
    for (const text of plain) same(text);
  });

  it('keeps the alias limits: a billion laughs and one large anchor repeated are refused as before', () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 9; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      laughs.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const big = `x: &x [${Array.from({ length: 200 }, (_, index) => index).join(', ')}]\n`;
    for (const text of [
      `${laughs.join('\n')}\n`,
      `${big}y: [${Array(1100).fill('*x').join(', ')}]\n`,
      `${big}y: [${Array(240).fill('*x').join(', ')}]\n`,
    ])
      same(text);
    expect(() => parseYaml('/p/c.yaml', `${laughs.join('\n')}\n`)).toThrow(
      /aliases expand to too many nodes/,
    );
  });

  it(
    '2,000 fuzzed mutations (FUZZ_RUNS, FUZZ_SEED) of the fixtures: same data, same refusals',
    () => {
      const random = seeded(Number(process.env.FUZZ_SEED ?? 20_261_128));
      for (let run = 0; run < FUZZ_RUNS; run += 1)
        same(mutant(fixtures.slice(0, 5).concat(fixtures[5] ?? ''), random));
    },
    Math.max(120_000, FUZZ_RUNS * 60),
  );

  it('2,000 services read through js-yaml give the same data as through yaml', () => {
    same(largeCompose(2000));
  }, 60_000);
});
