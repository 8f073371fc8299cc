// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose ${VAR} syntax is the subject under test

import type { PhoenixError } from '@phoenix-hydra/errors';
import { describe, expect, it } from 'vitest';
import { tempProject } from '../test/temp-project.ts';
import { parseDotenv, readDotenv } from './read-dotenv.ts';

describe('parseDotenv', () => {
  it('reads the forms podman-compose (python-dotenv) accepts', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=value',
      'export EXPORTED=yes',
      '  SPACED = around  ',
      'COMMENTED=kept # dropped',
      'HASH=a#b',
      "SINGLE='literal ${HOME} # kept'",
      'DOUBLE="line\\nnext ${HOME}"',
      'ESCAPED="cost \\$5"',
      'EMPTY=',
      'MULTI="first',
      'second"',
      'REUSED=${PLAIN}-2',
    ].join('\n');
    expect(parseDotenv(text, '/p/.env', { HOME: '/home/ana' })).toEqual({
      PLAIN: 'value',
      EXPORTED: 'yes',
      SPACED: 'around',
      COMMENTED: 'kept',
      HASH: 'a#b',
      SINGLE: 'literal /home/ana # kept',
      DOUBLE: 'line\nnext /home/ana',
      ESCAPED: 'cost \\$5',
      EMPTY: '',
      MULTI: 'first\nsecond',
      REUSED: 'value-2',
    });
  });

  it('accepts CRLF line endings', () => {
    expect(parseDotenv('A=1\r\nB=2\r\n', '/p/.env')).toEqual({ A: '1', B: '2' });
  });

  it.each([
    ['not an assignment', 'COMPOSE_INVALID', '/p/.env:2:1: cannot parse this line'],
    ['A="unterminated', 'COMPOSE_INVALID', '/p/.env:2:1: cannot parse this line (an unterminated quote?)'],
  ])('points at the line of %j', (line, code, message) => {
    let error: PhoenixError | undefined;
    try {
      parseDotenv(`OK=1\n${line}\n`, '/p/.env');
    } catch (caught) {
      error = caught as PhoenixError;
    }
    expect(error?.code).toBe(code);
    expect(error?.message).toBe(message);
    expect(error?.exitCode).toBe(2);
    expect(error?.hint).toBeTruthy();
  });
});

describe('readDotenv', () => {
  it('reads <dir>/.env and treats a missing file as empty', async () => {
    const dir = await tempProject({ '.env': 'POSTGRES_PASSWORD=secret\n' });
    expect(await readDotenv(dir)).toEqual({ POSTGRES_PASSWORD: 'secret' });
    expect(await readDotenv(`${dir}/missing`)).toEqual({});
  });
});
