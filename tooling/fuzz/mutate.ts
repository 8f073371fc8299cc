// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose ${VAR} syntax is the subject under test
/** A seeded pseudo-random source (mulberry32), so a failing fuzz case can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Fragments that tend to break YAML, compose interpolation, numbers and names. */
const TOKENS = [
  '$',
  '$$',
  '${',
  '}',
  '${X:-',
  '${X:?boom}',
  '$1',
  '{',
  '[',
  ']',
  ':',
  ': ',
  '- ',
  '-',
  '#',
  '"',
  "'",
  '\\',
  '\\0',
  '\t',
  '\n',
  '\r\n',
  '  ',
  '&a ',
  '*a',
  '<<: *a',
  '&a [*a]',
  '!!binary ',
  '!!str ',
  '!!int ',
  '? ',
  '|',
  '>',
  '---\n',
  '...\n',
  '%YAML 1.1\n',
  '~',
  'null',
  'true',
  '0',
  '-1',
  '0777',
  '99999999999999999999',
  '1e309',
  'NaN',
  '.inf',
  '0x10',
  ':ro',
  ':Z',
  ':z',
  ':rw,Z',
  '/',
  '../',
  '~/',
  '..',
  'x'.repeat(300),
  '/a'.repeat(2100),
  '\u0000',
  '\uFEFF',
  '\u202E',
  '😀',
  'é',
  '\u0085',
  '\u2028',
];

/** One random edit of `text`: flip a character, delete, duplicate or move a slice, insert a token, truncate. */
export function mutate(text: string, random: () => number): string {
  const at = () => Math.floor(random() * (text.length + 1));
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const [a, b] = [at(), at()].sort((x, y) => x - y) as [number, number];
  switch (Math.floor(random() * 7)) {
    case 0:
      return `${text.slice(0, a)}${String.fromCharCode(Math.floor(random() * 0x80))}${text.slice(a + 1)}`;
    case 1:
      return text.slice(0, a) + text.slice(Math.min(b, a + 40));
    case 2:
      return text.slice(0, b) + text.slice(a, Math.min(b, a + 200)) + text.slice(b);
    case 3: {
      const lines = text.split('\n');
      const i = Math.floor(random() * lines.length);
      const j = Math.floor(random() * lines.length);
      [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
      return lines.join('\n');
    }
    case 4:
      return text.slice(0, a);
    default:
      return text.slice(0, a) + pick(TOKENS) + text.slice(a);
  }
}

/** `rounds` stacked edits of one of `fixtures`. */
export function mutant(
  fixtures: readonly string[],
  random: () => number,
  rounds = 1 + Math.floor(random() * 3),
) {
  let text = fixtures[Math.floor(random() * fixtures.length)] ?? '';
  for (let round = 0; round < rounds; round += 1) text = mutate(text, random);
  return text;
}

/** Checks one outcome the fuzz tests accept: success, or a one-line exit-2 error without a stack trace. */
export function acceptableFailure(error: unknown): string | undefined {
  const e = error as { name?: string; exitCode?: number; message?: string; hint?: string };
  if (e?.name !== 'PhoenixError') return `not a PhoenixError: ${String((error as Error)?.stack ?? error)}`;
  if (e.exitCode !== 2) return `exit code ${e.exitCode}: ${e.message}`;
  if (e.message?.includes('\n')) return `message on several lines: ${JSON.stringify(e.message)}`;
  if ((e.message?.length ?? 0) > 600) return `message of ${e.message?.length} characters`;
  if (!e.hint) return `no hint: ${e.message}`;
  return undefined;
}

/**
 * Feeds `runs` seeded mutants of `fixtures` to `parse` and collects what a user must never see: an
 * error that is not a one-line exit-2 PhoenixError, or a call slower than `maxMs`. Stops at 5 problems.
 */
export async function fuzz(options: {
  seed: number;
  runs: number;
  fixtures: readonly string[];
  parse: (text: string, run: number) => unknown;
  maxMs?: number;
}): Promise<{ problems: string[]; refused: number }> {
  const { seed, runs, fixtures, parse, maxMs = 2000 } = options;
  const random = seeded(seed);
  const problems: string[] = [];
  let refused = 0;
  for (let run = 0; run < runs && problems.length < 5; run += 1) {
    const text = mutant(fixtures, random);
    const started = performance.now();
    try {
      await parse(text, run);
    } catch (error) {
      refused += 1;
      const problem = acceptableFailure(error);
      if (problem !== undefined) problems.push(`run ${run} (seed ${seed}): ${problem.slice(0, 300)}`);
    }
    const elapsed = performance.now() - started;
    if (elapsed > maxMs) problems.push(`run ${run} (seed ${seed}) took ${elapsed.toFixed(0)} ms`);
  }
  return { problems, refused };
}
