import { PhoenixError } from '@phoenix-hydra/errors';

/** Variables visible to interpolation: the process environment merged with the `.env` file. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The expanded text and the variables it used that were unset with no default (compose warns about them). */
export interface Interpolated {
  value: string;
  unset: string[];
}

interface State {
  readonly text: string;
  readonly env: Env;
  readonly unset: string[];
  pos: number;
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const OPERATORS = ['}', ':-', ':?', ':+', '-', '?', '+'] as const;

function invalid(state: State, reason: string): PhoenixError {
  return new PhoenixError('COMPOSE_VARIABLE', `invalid interpolation in "${state.text}": ${reason}`, {
    hint: `write "$$" for a literal "$", and \${NAME}, \${NAME:-default} or \${NAME:?message} for variables`,
  });
}

function readName(state: State): string {
  NAME.lastIndex = state.pos;
  const match = NAME.exec(state.text);
  const name = match?.[0] ?? '';
  state.pos += name.length;
  return name;
}

function lookup(state: State, name: string, live: boolean): string {
  const value = state.env[name];
  if (value === undefined && live && !state.unset.includes(name)) state.unset.push(name);
  return value ?? '';
}

function braced(state: State, live: boolean): string {
  const name = readName(state);
  if (name === '') throw invalid(state, 'expected a variable name after "${"');
  const op = OPERATORS.find((candidate) => state.text.startsWith(candidate, state.pos));
  if (op === undefined) throw invalid(state, `unexpected character after "\${${name}"`);
  state.pos += op.length;
  if (op === '}') return lookup(state, name, live);
  const value = state.env[name];
  const isSet = value !== undefined && !(op.startsWith(':') && value === '');
  const kind = op.at(-1);
  // The word is only evaluated (warnings, errors) on the branch that uses it, as in compose.
  const word = expandWord(state, kind === '+' ? live && isSet : live && !isSet);
  state.pos += 1;
  if (kind === '-') return isSet ? value : word;
  if (kind === '+') return isSet ? word : '';
  if (!isSet && live) {
    const message = `required variable ${name} is missing a value${word === '' ? '' : `: ${word}`}`;
    throw new PhoenixError('COMPOSE_VARIABLE', message, {
      hint: `set ${name} in the environment or in the .env file next to the compose file`,
      details: { variable: name },
    });
  }
  return value ?? '';
}

function dollar(state: State, live: boolean): string {
  const next = state.text[state.pos + 1];
  if (next === '$') {
    state.pos += 2;
    return '$';
  }
  if (next === '{') {
    state.pos += 2;
    return braced(state, live);
  }
  state.pos += 1;
  // A "$" not followed by a name is text (`exec "$@"`, `^...$`, bcrypt hashes), as in compose-go and podman-compose.
  const name = readName(state);
  return name === '' ? '$' : lookup(state, name, live);
}

/** The word after an operator (`${NAME:-word}`), up to the "}" that closes the variable. */
function expandWord(state: State, live: boolean): string {
  let out = '';
  // Braces inside a default (`${JSON:-{"a":1}}`) pair up before the one that closes the variable.
  let depth = 0;
  while (state.pos < state.text.length) {
    const char = state.text[state.pos];
    if (char === '}' && depth === 0) return out;
    if (char === '{') depth += 1;
    if (char === '}') depth -= 1;
    if (char === '$') {
      out += dollar(state, live);
    } else {
      out += char;
      state.pos += 1;
    }
  }
  throw invalid(state, 'missing closing "}"');
}

/** The whole value: the text between two "$" is copied in one piece, not character by character. */
function expand(state: State, live: boolean): string {
  const { text } = state;
  let out = '';
  for (let next = text.indexOf('$', state.pos); next !== -1; next = text.indexOf('$', state.pos)) {
    out += text.slice(state.pos, next);
    state.pos = next;
    out += dollar(state, live);
  }
  out += text.slice(state.pos);
  state.pos = text.length;
  return out;
}

/**
 * Expands compose variables as compose-go and podman-compose do: $VAR, ${VAR}, ${VAR:-d}, ${VAR-d},
 * ${VAR:?msg}, ${VAR?msg}, ${VAR:+alt}, ${VAR+alt} and $$; nested defaults are allowed, and a "$"
 * not followed by a name, "{" or "$" is kept as text.
 */
export function interpolate(text: string, env: Env): Interpolated {
  const state: State = { text, env, unset: [], pos: 0 };
  const value = expand(state, true);
  return { value, unset: state.unset };
}
