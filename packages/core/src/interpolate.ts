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

const OPERATORS = ['}', ':-', ':?', ':+', '-', '?', '+'] as const;

function invalid(state: State, reason: string): PhoenixError {
  return new PhoenixError('COMPOSE_VARIABLE', `invalid interpolation in "${state.text}": ${reason}`, {
    hint: `write "$$" for a literal "$", and \${NAME}, \${NAME:-default} or \${NAME:?message} for variables`,
  });
}

const isNameStart = (code: number) =>
  (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
const isNameCode = (code: number) => isNameStart(code) || (code >= 48 && code <= 57);

/** [A-Za-z_][A-Za-z0-9_]* at state.pos ('' when none), scanned by hand: no match array per variable. */
function readName(state: State): string {
  const { text } = state;
  const start = state.pos;
  if (!isNameStart(text.charCodeAt(start))) return '';
  let end = start + 1;
  while (isNameCode(text.charCodeAt(end))) end += 1;
  state.pos = end;
  return text.slice(start, end);
}

function readOperator(state: State): (typeof OPERATORS)[number] | undefined {
  for (const candidate of OPERATORS) if (state.text.startsWith(candidate, state.pos)) return candidate;
  return undefined;
}

function lookup(state: State, name: string, live: boolean): string {
  const value = state.env[name];
  if (value === undefined && live && !state.unset.includes(name)) state.unset.push(name);
  return value ?? '';
}

function braced(state: State, live: boolean): string {
  const name = readName(state);
  if (name === '') throw invalid(state, 'expected a variable name after "${"');
  const op = readOperator(state);
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
  const { text } = state;
  let out = '';
  // Braces inside a default (`${JSON:-{"a":1}}`) pair up before the one that closes the variable.
  let depth = 0;
  while (state.pos < text.length) {
    const code = text.charCodeAt(state.pos);
    if (code === 0x24) {
      out += dollar(state, live); // "$"
      continue;
    }
    if (code === 0x7d && depth === 0) return out; // "}"
    if (code === 0x7b) depth += 1;
    if (code === 0x7d) depth -= 1;
    // This character and the run of ordinary ones after it, in one piece.
    let end = state.pos + 1;
    for (let next = text.charCodeAt(end); end < text.length; next = text.charCodeAt(end)) {
      if (next === 0x24 || next === 0x7b || next === 0x7d) break;
      end += 1;
    }
    out += text.slice(state.pos, end);
    state.pos = end;
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
