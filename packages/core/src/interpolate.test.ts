// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose ${VAR} syntax is the subject under test

import type { PhoenixError } from '@phoenix-hydra/errors';
import { describe, expect, it } from 'vitest';
import { interpolate } from './interpolate.ts';

const env = { SET: 'value', EMPTY: '', HOME: '/home/ana' };
const run = (text: string) => interpolate(text, env);

function errorOf(text: string): PhoenixError {
  try {
    run(text);
  } catch (error) {
    return error as PhoenixError;
  }
  throw new Error(`expected "${text}" to fail`);
}

describe('interpolate', () => {
  it.each([
    ['${SET}', 'value'],
    ['$SET', 'value'],
    ['$SET/x', 'value/x'],
    ['${HOME}/.local/share/phoenix-hydra', '/home/ana/.local/share/phoenix-hydra'],
    ['plain text', 'plain text'],
    ['$$', '$'],
    ['$$SET', '$SET'],
    ['cost: $$5', 'cost: $5'],
    ['${SET:-d}', 'value'],
    ['${EMPTY:-d}', 'd'],
    ['${UNSET:-d}', 'd'],
    ['${SET-d}', 'value'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${UNSET:+alt}', ''],
    ['${SET+alt}', 'alt'],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['${SET:?msg}', 'value'],
    ['${EMPTY?msg}', ''],
    ['${UNSET:-${SET}}', 'value'],
    ['${UNSET:-${ALSO_UNSET:-deep}}/x', 'deep/x'],
    ['${UNSET:-a b:c}', 'a b:c'],
    ['${UNSET:-}', ''],
  ])('%s → %j', (text, expected) => {
    expect(run(text)).toEqual({ value: expected, unset: [] });
  });

  it('substitutes an empty string for an unset variable and names it', () => {
    expect(run('${UNSET}/data')).toEqual({ value: '/data', unset: ['UNSET'] });
    expect(run('$UNSET $UNSET ${OTHER}')).toEqual({ value: '  ', unset: ['UNSET', 'OTHER'] });
  });

  it('does not evaluate the branch it does not use', () => {
    expect(run('${SET:-${UNSET}}')).toEqual({ value: 'value', unset: [] });
    expect(run('${SET:-${UNSET:?never}}').value).toBe('value');
    expect(run('${UNSET:+${UNSET2:?never}}').value).toBe('');
  });

  it.each([
    ['${UNSET:?need UNSET}', 'required variable UNSET is missing a value: need UNSET'],
    ['${EMPTY:?must not be empty}', 'required variable EMPTY is missing a value: must not be empty'],
    ['${UNSET?}', 'required variable UNSET is missing a value'],
    ['${UNSET:?${SET} is required}', 'required variable UNSET is missing a value: value is required'],
  ])('%s fails naming the variable and the message', (text, message) => {
    const error = errorOf(text);
    expect(error.code).toBe('COMPOSE_VARIABLE');
    expect(error.message).toBe(message);
    expect(error.exitCode).toBe(2);
    expect(error.hint).toMatch(/^set \w+ in the environment/);
  });

  it.each(['${', '${SET', '${}', '${1A}', '${SET:x}', '${SET:-unclosed', '${SET:-{unclosed}'])(
    '%j is an invalid template',
    (text) => {
      const error = errorOf(text);
      expect(error.code).toBe('COMPOSE_VARIABLE');
      expect(error.message).toMatch(/^invalid interpolation in/);
      expect(error.message).not.toContain('\n');
      expect(error.hint).toContain('$$');
    },
  );
});
