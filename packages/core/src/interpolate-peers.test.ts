// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose ${VAR} syntax is the subject under test
import { describe, expect, it } from 'vitest';
import type { Env } from './interpolate.ts';
import { interpolate } from './interpolate.ts';

/** Runs one case: the expanded text, or the error message it fails with. */
function outcome(text: string, env: Env): string | { error: string } {
  try {
    return interpolate(text, env).value;
  } catch (error) {
    return { error: (error as Error).message };
  }
}

// Ported from compose-spec/compose-go template/template_test.go (commit e70e961c3a3a), its `defaults` mapping.
const composeGoEnv = { FOO: 'first', BAR: '', JSON: '{"json":2}' };
const composeGo: [string, string | { error: RegExp }][] = [
  // TestEscaped, TestSubstituteNoMatch
  ['$${foo}', '${foo}'],
  ['foo', 'foo'],
  // TestUnescaped: a "$" not followed by a name, "{" or "$" is text
  ['a $ string', 'a $ string'],
  ['^REGEX$', '^REGEX$'],
  ['$}', '$}'],
  ['$', '$'],
  // TestInvalid
  ['${', { error: /invalid interpolation/ }],
  ['${}', { error: /invalid interpolation/ }],
  ['${ }', { error: /invalid interpolation/ }],
  ['${ foo}', { error: /invalid interpolation/ }],
  ['${foo }', { error: /invalid interpolation/ }],
  ['${foo!}', { error: /invalid interpolation/ }],
  // TestNonBraced, TestNoValueNoDefault, TestValueNoDefault
  ['$FOO-bar', 'first-bar'],
  ['This ${missing} var', 'This  var'],
  ['This ${BAR} var', 'This  var'],
  ['This $FOO var', 'This first var'],
  ['This ${FOO} var', 'This first var'],
  // TestNoValueWithDefault … TestNonAlphanumericDefault
  ['ok ${missing:-def}', 'ok def'],
  ['ok ${missing-def}', 'ok def'],
  ['${A:+${A},}B', 'B'],
  ['${A:-${B}}', ''],
  ['ok ${BAR:-def}', 'ok def'],
  ['ok ${FOO:-def}', 'ok first'],
  ['ok ${BAR-def}', 'ok '],
  ['ok ${UNSET_VAR:+presence_value}', 'ok '],
  ['ok ${UNSET_VAR+presence_value}', 'ok '],
  ['ok ${FOO:+presence_value}', 'ok presence_value'],
  ['ok ${FOO+presence_value}', 'ok presence_value'],
  ['ok ${BAR+presence_value}', 'ok presence_value'],
  ['ok ${BAR:+presence_value}', 'ok '],
  ['ok ${BAR:-/non:-alphanumeric}', 'ok /non:-alphanumeric'],
  // TestInterpolationExternalInterference
  ['-ok ${BAR:-defaultValue}', '-ok defaultValue'],
  ['+ok ${UNSET:-${BAR-defaultValue}}', '+ok '],
  ['-ok ${FOO:-defaultValue}', '-ok first'],
  [':-ok ${UNSET-defaultValue}', ':-ok defaultValue'],
  [':-ok ${BAR-defaultValue}', ':-ok '],
  [':?ok ${BAR-defaultValue}', ':?ok '],
  [':?ok ${BAR:-defaultValue}', ':?ok defaultValue'],
  [':+ok ${BAR:-defaultValue}', ':+ok defaultValue'],
  ['+ok ${BAR-defaultValue}', '+ok '],
  ['?ok ${BAR:-defaultValue}', '?ok defaultValue'],
  // TestDefaultsWithNestedExpansion
  ['ok ${UNSET_VAR-$FOO}', 'ok first'],
  ['ok ${UNSET_VAR-${FOO}}', 'ok first'],
  ['ok ${UNSET_VAR-${FOO} ${FOO}}', 'ok first first'],
  ['ok ${BAR:-$FOO}', 'ok first'],
  ['ok ${BAR:-${FOO}}', 'ok first'],
  ['ok ${BAR:-${FOO} ${FOO}}', 'ok first first'],
  ['ok ${BAR+$FOO}', 'ok first'],
  ['ok ${BAR+$FOO ${FOO:+second}}', 'ok first second'],
  // TestMandatoryVariableErrors(+WithNestedExpansion)
  [
    'not ok ${UNSET_VAR:?Mandatory Variable Unset}',
    { error: /^required variable UNSET_VAR is missing a value: Mandatory Variable Unset$/ },
  ],
  [
    'not ok ${BAR:?Mandatory Variable Empty}',
    { error: /^required variable BAR is missing a value: Mandatory Variable Empty$/ },
  ],
  ['not ok ${UNSET_VAR:?}', { error: /^required variable UNSET_VAR is missing a value$/ }],
  [
    'not ok ${UNSET_VAR?Mandatory Variable Unset}',
    { error: /^required variable UNSET_VAR is missing a value: Mandatory Variable Unset$/ },
  ],
  ['not ok ${UNSET_VAR?}', { error: /^required variable UNSET_VAR is missing a value$/ }],
  [
    'not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}',
    { error: /^required variable UNSET_VAR is missing a value: Mandatory Variable first$/ },
  ],
  [
    'not ok ${UNSET_VAR?Mandatory Variable ${FOO}}',
    { error: /^required variable UNSET_VAR is missing a value: Mandatory Variable first$/ },
  ],
  // TestDefaultsForMandatoryVariables, TestPrecedence
  ['ok ${FOO:?err}', 'ok first'],
  ['ok ${FOO?err}', 'ok first'],
  ['ok ${BAR?err}', 'ok '],
  ['${UNSET_VAR?bar-baz}', { error: /^required variable UNSET_VAR is missing a value: bar-baz$/ }],
  ['${UNSET_VAR-myerror?msg}', 'myerror?msg'],
  ['${FOO?bar-baz}', 'first'],
  ['${BAR:-default_value_for_empty_var}', 'default_value_for_empty_var'],
  ['${UNSET_VAR-default_value_for_unset_var}', 'default_value_for_unset_var'],
  ['ok ${SUBDOMAIN:-redis}.${FOO:?}', 'ok redis.first'],
  // TestNoValueWithCurlyBracesDefault, TestValueWithCurlyBracesDefault
  ['ok ${missing:-{"json":1}}', 'ok {"json":1}'],
  ['ok ${missing-{"json":1}}', 'ok {"json":1}'],
  ['ok ${JSON:-{"json":1}}', 'ok {"json":2}'],
  ['ok ${JSON-{"json":1}}', 'ok {"json":2}'],
];

// Ported from containers/podman-compose tests/unit/test_var_interpolate.py (commit e3df10472e19).
const podmanCompose: [string, Env, string | { error: RegExp }][] = [
  ['Hello $NAME!', { NAME: 'Alice' }, 'Hello Alice!'],
  ['Hello ${NAME}', { NAME: 'Alice' }, 'Hello Alice'],
  ['Hello ${NAME}', {}, 'Hello '],
  ['User: ${USER:-guest}', {}, 'User: guest'],
  ['User: ${USER:-guest}', { USER: '' }, 'User: guest'],
  ['User: ${USER-guest}', {}, 'User: guest'],
  ['User: ${USER-guest}', { USER: '' }, 'User: '],
  ['Path: ${TEST_PATH:?TEST_PATH required}', { TEST_PATH: '/bin' }, 'Path: /bin'],
  [
    'Path: ${TEST_PATH:?TEST_PATH required}',
    {},
    { error: /TEST_PATH is missing a value: TEST_PATH required$/ },
  ],
  ['Path: ${TEST_PATH:?TEST_PATH required}', { TEST_PATH: '' }, { error: /TEST_PATH is missing a value/ }],
  ['Config: ${CFG?missing}', { CFG: 'cfg.yaml' }, 'Config: cfg.yaml'],
  ['Config: ${CFG?missing}', {}, { error: /^required variable CFG is missing a value: missing$/ }],
  ['Config: ${CFG?missing}', { CFG: '' }, 'Config: '],
  ['Alt: ${MODE:+active}', { MODE: '1' }, 'Alt: active'],
  ['Alt: ${MODE+active}', { MODE: '' }, 'Alt: active'],
  ['Alt: ${MODE+active}', {}, 'Alt: '],
  ['${GREETING:-Hi}, ${NAME:-stranger}!', {}, 'Hi, stranger!'],
  ['${ENV:?Missing ENV} - ${SERVICE:-api}', { ENV: 'prod' }, 'prod - api'],
  ['${USER:-default user}', {}, 'default user'],
  ['Price: $$${AMOUNT}', { AMOUNT: '100' }, 'Price: $100'],
  ['Value: ${VAR}', { VAR: '' }, 'Value: '],
  ['${OUTER:-${INNER:-default}}', {}, 'default'],
  ['${OUTER:-${INNER:-default}}', { INNER: 'inner_value' }, 'inner_value'],
  ['${OUTER:-${INNER:-default}}', { OUTER: 'outer_value', INNER: 'inner_value' }, 'outer_value'],
  ['${A:-${B:-${C:-final}}}', {}, 'final'],
  ['${A:-${B:-${C:-final}}}', { B: 'mid' }, 'mid'],
  ['${A:-${B:-${C:-final}}}', { A: 'top' }, 'top'],
  ['${MAIN:-${BACKUP:?Missing BACKUP}}', { BACKUP: 'backup_value' }, 'backup_value'],
  [
    '${MAIN:-${BACKUP:?Missing BACKUP}}',
    {},
    { error: /^required variable BACKUP is missing a value: Missing BACKUP$/ },
  ],
  ['${X:-${Y:?Y required}}', { Y: 'ok' }, 'ok'],
  ['${X:-${Y:?Y required}}', {}, { error: /^required variable Y is missing a value: Y required$/ }],
  ['${X:-${Y:?Y required}}', { X: 'ok' }, 'ok'],
  ['${VAR:+${ALT:-default_alt}}', { VAR: 'something', ALT: 'alt_value' }, 'alt_value'],
  ['${VAR:+${ALT:-default_alt}}', { VAR: 'something' }, 'default_alt'],
  ['${OUTER:-prefix_${INNER:-none}}', {}, 'prefix_none'],
  ['${OUTER:-prefix_${INNER:-none}}', { INNER: 'abc' }, 'prefix_abc'],
  ['${REQ:?Missing ${ALT:-something}}', { REQ: 'value' }, 'value'],
  [
    '${REQ:?Missing ${ALT:-something}}',
    {},
    { error: /^required variable REQ is missing a value: Missing something$/ },
  ],
  ['${A:+${B:+${C:-end}}}', { A: '1', B: '1', C: 'final' }, 'final'],
  ['${A:+${B:+${C:-end}}}', { A: '1' }, ''],
  ['${A:-${B:-${C:-${D:-default}}}}', { B: '' }, 'default'],
  ['${ENV:-${FALLBACK:+${ALT:-alt_value}}}', { FALLBACK: '1' }, 'alt_value'],
  ['${1INVALID}', {}, { error: /invalid interpolation/ }],
  ['${-INVALID}', {}, { error: /invalid interpolation/ }],
  ['${}', {}, { error: /invalid interpolation/ }],
  ['Price is $5', {}, 'Price is $5'],
  ['cmd ${BAR:?BAR variable missing}', { BAR: 'myvalue' }, 'cmd myvalue'],
  [
    'cmd ${BAR:?BAR variable missing}',
    {},
    { error: /^required variable BAR is missing a value: BAR variable missing$/ },
  ],
];

function check(actual: string | { error: string }, expected: string | { error: RegExp }): void {
  if (typeof expected === 'string') expect(actual).toBe(expected);
  else expect(actual).toEqual({ error: expect.stringMatching(expected.error) });
}

describe('interpolate agrees with compose-go (template_test.go)', () => {
  it.each(composeGo)('%s', (text, expected) => check(outcome(text, composeGoEnv), expected));
});

describe('interpolate agrees with podman-compose (test_var_interpolate.py)', () => {
  it.each(podmanCompose)('%s with %j', (text, env, expected) => check(outcome(text, env), expected));
});

describe('text users really write', () => {
  it.each([
    ['exec "$@"', 'exec "$@"'],
    ['echo $1 $2', 'echo $1 $2'],
    ['$2y$05$', '$2y$05$'],
    ['^/api/(.*)$', '^/api/(.*)$'],
    ['${JSON:-{"a":{"b":1}}}', '{"json":2}'],
    ['${UNSET:-{"a":{"b":1}}}', '{"a":{"b":1}}'],
  ])('%j → %j', (text, expected) => {
    expect(outcome(text, { ...composeGoEnv })).toBe(expected);
  });
});
