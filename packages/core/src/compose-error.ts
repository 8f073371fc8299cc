import type { PhoenixErrorCode } from '@phoenix-hydra/errors';
import { PhoenixError } from '@phoenix-hydra/errors';
import type { z } from 'zod';
import type { YamlSource } from './yaml-source.ts';
import { formatPath, locate } from './yaml-source.ts';

const MAX_QUOTED = 80;
const MAX_MESSAGE = 400;

/** One line of readable length: newlines folded, long quoted values (a 4 KiB path) shortened. */
export function oneLine(message: string): string {
  const folded = message
    .replace(/\s*[\r\n\u0085\u2028\u2029]\s*/g, ' ')
    .replace(
      /"([^"]{80,})"/g,
      (_, value: string) => `"${value.slice(0, MAX_QUOTED - 20)}...${value.slice(-12)}"`,
    );
  return folded.length > MAX_MESSAGE ? `${folded.slice(0, MAX_MESSAGE - 3)}...` : folded;
}

/** An error about one value of a compose file: `<file>:<line>:<col>: <path>: <message>`, one line. */
export function composeError(
  source: YamlSource,
  path: readonly PropertyKey[],
  message: string,
  options: { hint: string; code?: PhoenixErrorCode; details?: Record<string, unknown> },
): PhoenixError {
  const { line, col } = locate(source, path);
  const at = formatPath(path);
  const text = oneLine(`${source.file}:${line}:${col}: ${at === '' ? '' : `${at}: `}${message}`);
  return new PhoenixError(options.code ?? 'COMPOSE_INVALID', text, {
    hint: options.hint,
    details: { file: source.file, line, column: col, path: at, ...options.details },
  });
}

/** Turns the first zod issue into a compose error naming the path and line; counts the rest. */
export function fromZodError(source: YamlSource, error: z.ZodError, basePath: readonly PropertyKey[] = []) {
  const [issue] = error.issues;
  const path = [...basePath, ...(issue?.path ?? [])];
  const more = error.issues.length - 1;
  const suffix = more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : '';
  if (issue?.code === 'unrecognized_keys') {
    const keyPath = [...path, issue.keys[0] ?? ''];
    return composeError(source, keyPath, `${issue.message}${suffix}`, {
      hint: `remove or rename ${formatPath(keyPath)} in ${source.file}`,
      details: { keys: issue.keys },
    });
  }
  const reference = path.includes('x-phoenix')
    ? ''
    : ' (see https://docs.docker.com/reference/compose-file/)';
  return composeError(source, path, `${issue?.message ?? 'invalid value'}${suffix}`, {
    hint: `fix ${formatPath(path) || 'the file'} in ${source.file}${reference}`,
  });
}
