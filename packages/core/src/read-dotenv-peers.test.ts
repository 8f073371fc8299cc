// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} syntax is the subject under test
import { describe, expect, it } from 'vitest';
import { parseDotenv } from './read-dotenv.ts';

// Ported from theskumar/python-dotenv tests/test_parser.py (commit bca6644d9aed), the parser
// podman-compose reads `.env` with: each input and the key/value bindings it yields.
const pythonDotenvParser: [string, Record<string, string>][] = [
  ['', {}],
  ['a=b', { a: 'b' }],
  ["'a'=b", { a: 'b' }],
  ['[=b', { '[': 'b' }],
  [' a = b ', { a: 'b' }],
  ['export a=b', { a: 'b' }],
  [" export 'a'=b", { a: 'b' }],
  ['# a=b', {}],
  ['a=b#c', { a: 'b#c' }],
  ['a=b #c', { a: 'b' }],
  ['a=b\t#c', { a: 'b' }],
  ['a=b c', { a: 'b c' }],
  ['a=b\tc', { a: 'b\tc' }],
  ['a=b  c', { a: 'b  c' }],
  ['a=b\u00a0 c', { a: 'b\u00a0 c' }],
  ['a=b c ', { a: 'b c' }],
  ["a='b c '", { a: 'b c ' }],
  ['a="b c "', { a: 'b c ' }],
  ['export export_a=1', { export_a: '1' }],
  ['export port=8000', { port: '8000' }],
  ['a="b\nc"', { a: 'b\nc' }],
  ["a='b\nc'", { a: 'b\nc' }],
  ['a="b\\nc"', { a: 'b\nc' }],
  ["a='b\\nc'", { a: 'b\\nc' }],
  ['a="b\\"c"', { a: 'b"c' }],
  ["a='b\\'c'", { a: "b'c" }],
  ['a=à', { a: 'à' }],
  ['a="à"', { a: 'à' }],
  ['no_value_var', {}],
  ['a=b\nc=d', { a: 'b', c: 'd' }],
  ['a=b\rc=d', { a: 'b', c: 'd' }],
  ['a=b\r\nc=d', { a: 'b', c: 'd' }],
  ['a=\nb=c', { a: '', b: 'c' }],
  ['\n\n', {}],
  ['a=b\n\n', { a: 'b' }],
  ['a=b\n\nc=d', { a: 'b', c: 'd' }],
  ['# comment\na="b\nc"\nd=e\n', { a: 'b\nc', d: 'e' }],
  ['a=b\n# comment 1', { a: 'b' }],
  ['# comment 1\n# comment 2', {}],
  ['uglyKey[%$="S3cr3t_P4ssw#rD" #\na=b', { 'uglyKey[%$': 'S3cr3t_P4ssw#rD', a: 'b' }],
  ['\ufeffa=b', { a: 'b' }],
  ['\ufeffa=b\nc=d', { a: 'b', c: 'd' }],
];

// Ported from python-dotenv tests/test_main.py test_dotenv_values_string_io (interpolate=True).
const pythonDotenvValues: [Record<string, string>, string, Record<string, string>][] = [
  [{ b: 'c' }, 'a=$b', { a: '$b' }],
  [{ b: 'c' }, 'a=${b}', { a: 'c' }],
  [{ b: 'c' }, 'a=${b:-d}', { a: 'c' }],
  [{}, 'b=c\na=${b}', { a: 'c', b: 'c' }],
  [{}, 'a=${b}', { a: '' }],
  [{}, 'a=${b:-d}', { a: 'd' }],
  [{ b: 'c' }, 'a="${b}"', { a: 'c' }],
  [{ b: 'c' }, "a='${b}'", { a: 'c' }],
  [{ b: 'c' }, 'a=x${b}y', { a: 'xcy' }],
  [{ a: 'b' }, 'a=${a}', { a: 'b' }],
  [{}, 'a=${a}', { a: '' }],
  [{ a: 'b' }, 'a=${a:-c}', { a: 'b' }],
  [{}, 'a=${a:-c}', { a: 'c' }],
  [{ b: 'c' }, 'a=${b}${b}', { a: 'cc' }],
  [{ b: 'c' }, 'b=d\na=${b}', { a: 'd', b: 'd' }],
  [{}, 'a=b\na=c\nd=${a}', { a: 'c', d: 'c' }],
  [{}, 'a=b\nc=${a}\nd=e\nc=${d}', { a: 'b', c: 'e', d: 'e' }],
];

// Ported from compose-spec/compose-go dotenv/fixtures/{plain,quoted,exported,equals,unquoted,special}.env
// and the expectations of dotenv/godotenv_test.go (commit e70e961c3a3a), where python-dotenv agrees.
const composeGoFixtures: [string, string, Record<string, string>][] = [
  [
    'plain.env',
    'OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n456 = ABC\nOPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\n',
    {
      OPTION_A: '1',
      OPTION_B: '2',
      OPTION_C: '3',
      OPTION_D: '4',
      OPTION_E: '5',
      '456': 'ABC',
      OPTION_F: '',
      OPTION_G: '',
      OPTION_H: 'my string',
    },
  ],
  [
    'quoted.env',
    "OPTION_A='1'\nOPTION_B='2'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_E=\"1\"\nOPTION_F=\"2\"\nOPTION_G=\"\"\nOPTION_H=\"\\n\"\nOPTION_I = \"echo 'asd'\" # Inline comment\nOPTION_J = 'first line\nsecond line\nthird line\nand so on'\nOPTION_K='Let\\'s go!'\nOPTION_Z = \"last value\"\n",
    {
      OPTION_A: '1',
      OPTION_B: '2',
      OPTION_C: '',
      OPTION_D: '\\n',
      OPTION_E: '1',
      OPTION_F: '2',
      OPTION_G: '',
      OPTION_H: '\n',
      OPTION_I: "echo 'asd'",
      OPTION_J: 'first line\nsecond line\nthird line\nand so on',
      OPTION_K: "Let's go!",
      OPTION_Z: 'last value',
    },
  ],
  ['exported.env', "export OPTION_A=2\nexport OPTION_B='\\n'\n", { OPTION_A: '2', OPTION_B: '\\n' }],
  [
    'equals.env',
    "export OPTION_A='postgres://localhost:5432/database?sslmode=disable'\n",
    { OPTION_A: 'postgres://localhost:5432/database?sslmode=disable' },
  ],
  [
    'unquoted.env',
    'OPTION_A = "some quoted phrase"\nOPTION_B=first one with an unquoted phrase\nOPTION_C = then another one with an unquoted phrase\nOPTION_D = then another one with an unquoted phrase special è char\nOPTION_E = "then another one quoted phrase"\n',
    {
      OPTION_A: 'some quoted phrase',
      OPTION_B: 'first one with an unquoted phrase',
      OPTION_C: 'then another one with an unquoted phrase',
      OPTION_D: 'then another one with an unquoted phrase special è char',
      OPTION_E: 'then another one quoted phrase',
    },
  ],
  [
    'special.env',
    'VAR.WITH.DOTS=dots\nVAR_WITH_UNDERSCORES=underscores\nVAR-WITH-DASHES=dashes\n',
    { 'VAR.WITH.DOTS': 'dots', VAR_WITH_UNDERSCORES: 'underscores', 'VAR-WITH-DASHES': 'dashes' },
  ],
];

describe('parseDotenv agrees with python-dotenv (test_parser.py)', () => {
  it.each(pythonDotenvParser)('%j', (text, expected) => {
    expect(parseDotenv(text, '/p/.env')).toEqual(expected);
  });
});

describe('parseDotenv interpolates as python-dotenv (test_main.py)', () => {
  it.each(pythonDotenvValues)('env %j, %j', (env, text, expected) => {
    expect(parseDotenv(text, '/p/.env', env)).toEqual(expected);
  });
});

describe('parseDotenv reads compose-go fixtures', () => {
  it.each(composeGoFixtures)('%s', (_name, text, expected) => {
    expect(parseDotenv(text, '/p/.env')).toEqual(expected);
  });
});

describe('lines users really have', () => {
  it.each([
    ['HASH=$2y$05$abcdefghijklmnopqrstuv', { HASH: '$2y$05$abcdefghijklmnopqrstuv' }],
    ['a[1]=x', { 'a[1]': 'x' }],
    ['ключ=значение', { ключ: 'значение' }],
    ['BELL="\\a\\b\\f\\v"', { BELL: '\x07\b\f\v' }],
    ['BARE\nA=1', { A: '1' }],
  ])('%j', (text, expected) => {
    expect(parseDotenv(text, '/p/.env')).toEqual(expected);
  });

  it.each([
    ['OK=1\na: b', 2],
    ['OK=1\n\nA="unterminated\nB=2', 3],
    ["A='x' trailing", 1],
  ])('%j is refused naming its line', (text, line) => {
    expect(() => parseDotenv(text, '/p/.env')).toThrow(
      expect.objectContaining({
        code: 'COMPOSE_INVALID',
        exitCode: 2,
        message: expect.stringMatching(new RegExp(`^/p/\\.env:${line}:1: cannot parse this line`)),
      }),
    );
  });
});
