import type { z } from 'zod';
import type { PhoenixErrorCode } from './errors.ts';
import { PhoenixError } from './errors.ts';
import type { YamlSource } from './yaml-source.ts';
import { formatPath, locate } from './yaml-source.ts';

/** An error about one value of a compose file: `<file>:<line>:<col>: <path>: <message>`, one line. */
export function composeError(
  source: YamlSource,
  path: readonly PropertyKey[],
  message: string,
  options: { hint: string; code?: PhoenixErrorCode; details?: Record<string, unknown> },
): PhoenixError {
  const { line, col } = locate(source, path);
  const at = formatPath(path);
  const text = `${source.file}:${line}:${col}: ${at === '' ? '' : `${at}: `}${message}`.replace(
    /\s*\n\s*/g,
    ' ',
  );
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
